import { escapeId, escape as escapeLiteral } from 'mysql2';

export interface AppUserOptions {
  /** Schema the application may use. */
  database: string;
  user: string;
  password: string;
  /** Host part of the account, e.g. '%' for any host inside the VPC. */
  host: string;
  /** Adds `REQUIRE SSL`: the server refuses this account over plain TCP. */
  requireSsl: boolean;
}

const NAME = /^[A-Za-z0-9_]{1,32}$/;
const DATABASE = /^[A-Za-z0-9_]{1,64}$/;
const HOST = /^[A-Za-z0-9_.%:-]{1,255}$/;

/** The privileges of the application account: no DELETE (soft delete only), no DDL, nothing outside its schema. */
export const APP_USER_PRIVILEGES = ['SELECT', 'INSERT', 'UPDATE'] as const;

/**
 * SQL that creates or updates the least-privileged application account, idempotently. Shared by
 * `npm run migrate` (DATABASE_ADMIN_URL) and the AWS deploy-time bootstrap Lambda, and tested against
 * a real MariaDB. Previous grants are revoked first so a re-run also takes privileges away.
 */
export function appUserStatements(options: AppUserOptions): string[] {
  if (!NAME.test(options.user)) throw new Error('app user name must match [A-Za-z0-9_]{1,32}');
  if (!DATABASE.test(options.database)) throw new Error('database name must match [A-Za-z0-9_]{1,64}');
  if (!HOST.test(options.host)) throw new Error('app user host contains unexpected characters');
  if (options.password.length < 16) throw new Error('app user password must be at least 16 characters');
  const account = `${escapeLiteral(options.user)}@${escapeLiteral(options.host)}`;
  const password = escapeLiteral(options.password);
  const tls = options.requireSsl ? 'REQUIRE SSL' : 'REQUIRE NONE';
  return [
    `CREATE USER IF NOT EXISTS ${account} IDENTIFIED BY ${password} ${tls}`,
    `ALTER USER ${account} IDENTIFIED BY ${password} ${tls}`,
    `REVOKE ALL PRIVILEGES, GRANT OPTION FROM ${account}`,
    `GRANT ${APP_USER_PRIVILEGES.join(', ')} ON ${escapeId(options.database)}.* TO ${account}`,
  ];
}

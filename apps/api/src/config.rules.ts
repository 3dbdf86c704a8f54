import type { Env, Variable } from './config.js';

/*
 * The checks across configuration variables (config.ts parses each variable on its own first). A rule
 * reads only the variables it names and runs only when each of them parsed, so an operator sees every
 * problem at once and never a consequence of another one.
 */

type Problem = (variable: Variable, message: string) => void;

/** A check across variables. It reads only `reads`, and runs when each of them parsed on its own. */
interface Rule {
  readonly reads: readonly Variable[];
  check(e: Env, problem: Problem): void;
}
const rule = <K extends Variable>(
  reads: readonly K[],
  check: (e: Pick<Env, K>, problem: Problem) => void,
): Rule => ({
  reads,
  check,
});

/** Which database DATABASE_URL names; with DATABASE_SECRET_ID and no URL, MySQL (the URL only names the kind). */
export function databaseKind(e: Pick<Env, 'DATABASE_URL' | 'DATABASE_SECRET_ID'>): 'sqlite' | 'mysql' {
  if (e.DATABASE_URL !== undefined) return e.DATABASE_URL.startsWith('mysql://') ? 'mysql' : 'sqlite';
  return e.DATABASE_SECRET_ID === undefined ? 'sqlite' : 'mysql';
}

const KEYRING_SECRET_IDS = [
  'SECRET_ID_ACTIVE_SESSION',
  'SECRET_ID_VERIFY_EMAIL',
  'SECRET_ID_PASSWORD_RESET',
  'SECRET_ID_MFA_ENCRYPTION',
] as const;

export const RULES: readonly Rule[] = [
  rule(['DATABASE_SECRET_ID', 'SECRETS_SOURCE'], (e, problem) => {
    if (e.DATABASE_SECRET_ID !== undefined && e.SECRETS_SOURCE !== 'aws')
      problem('DATABASE_SECRET_ID', 'needs SECRETS_SOURCE=aws');
  }),
  rule(['DATABASE_SECRET_ID', 'DATABASE_URL'], (e, problem) => {
    if (e.DATABASE_SECRET_ID !== undefined && databaseKind(e) !== 'mysql')
      problem('DATABASE_SECRET_ID', 'only used with MySQL');
  }),
  rule(['REDIS_AUTH_SECRET_ID', 'SECRETS_SOURCE'], (e, problem) => {
    if (e.REDIS_AUTH_SECRET_ID && e.SECRETS_SOURCE !== 'aws')
      problem('REDIS_AUTH_SECRET_ID', 'needs SECRETS_SOURCE=aws');
  }),
  rule(['DATABASE_URL', 'DATABASE_SECRET_ID', 'DATABASE_ADMIN_URL', 'DATABASE_TLS_CA'], (e, problem) => {
    if (databaseKind(e) !== 'sqlite') return;
    if (e.DATABASE_ADMIN_URL) problem('DATABASE_ADMIN_URL', 'only used with a mysql:// DATABASE_URL');
    if (e.DATABASE_TLS_CA) problem('DATABASE_TLS_CA', 'only used with a mysql:// DATABASE_URL');
  }),
  rule(['SECRETS_SOURCE', ...KEYRING_SECRET_IDS], (e, problem) => {
    if (e.SECRETS_SOURCE !== 'aws') return;
    for (const name of KEYRING_SECRET_IDS) if (!e[name]) problem(name, 'required when SECRETS_SOURCE=aws');
  }),
  // Without SMTP the dev outbox logs every link; a public (https or AWS) deployment must never do that.
  rule(['SMTP_URL', 'SECRETS_SOURCE', 'PUBLIC_URL'], (e, problem) => {
    const https = e.PUBLIC_URL !== undefined && new URL(e.PUBLIC_URL).protocol === 'https:';
    if (e.SMTP_URL || (e.SECRETS_SOURCE !== 'aws' && !https)) return;
    const when = e.SECRETS_SOURCE === 'aws' ? 'SECRETS_SOURCE=aws' : 'PUBLIC_URL is https';
    problem('SMTP_URL', `required when ${when} (the dev outbox would log every email link)`);
  }),
  rule(['METRICS_PORT', 'PORT'], (e, problem) => {
    if (e.METRICS_PORT !== undefined && e.METRICS_PORT === e.PORT)
      problem('METRICS_PORT', 'must differ from PORT (metrics are never served on the public port)');
  }),
  rule(['LOG_FORMAT', 'SECRETS_SOURCE'], (e, problem) => {
    if (e.LOG_FORMAT === 'pretty' && e.SECRETS_SOURCE === 'aws')
      problem('LOG_FORMAT', 'production (SECRETS_SOURCE=aws) logs JSON lines for CloudWatch');
  }),
];

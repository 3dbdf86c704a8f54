import { createConnection } from 'mysql2/promise';
import type { RotatedDbSecret } from './db-secret.js';

/** One database session of the rotation function: plain SQL, closed by the caller. */
export interface DbSession {
  query(sql: string, values?: unknown[]): Promise<Record<string, unknown>[]>;
  end(): Promise<void>;
}

export type Connect = (secret: RotatedDbSecret, options?: { database?: string }) => Promise<DbSession>;

/** MySQL's "access denied" (wrong password or unknown user): the only error a login probe may swallow. */
export function isAccessDenied(error: unknown): boolean {
  const { code, errno } = (error ?? {}) as { code?: string; errno?: number };
  return code === 'ER_ACCESS_DENIED_ERROR' || errno === 1045;
}

/**
 * Connects over TLS only, verifying the server certificate against `ca` (the RDS CA bundle in AWS, the
 * test CA locally) and the host name. The server also refuses plain TCP (require_secure_transport=1),
 * so a misconfiguration fails closed on both ends.
 */
export function tlsConnector(ca: string | string[]): Connect {
  return async (secret, options = {}) => {
    const connection = await createConnection({
      host: secret.host,
      port: secret.port,
      user: secret.username,
      password: secret.password,
      ...(options.database ? { database: options.database } : {}),
      ssl: { ca, rejectUnauthorized: true, minVersion: 'TLSv1.2' },
      connectTimeout: 5_000,
    });
    return {
      query: async (sql, values) => {
        const [rows] = await connection.query(sql, values);
        return Array.isArray(rows) ? (rows as Record<string, unknown>[]) : [];
      },
      end: () => connection.end(),
    };
  };
}

/** The JSON of an RDS database secret (rds.DatabaseSecret / a generated master secret). */
export interface RotatedDbSecret {
  engine?: string;
  host: string;
  port: number;
  username: string;
  password: string;
  dbname?: string;
  /** Present on user secrets rotated with alternating users: the admin secret that creates them. */
  masterarn?: string;
  [key: string]: unknown;
}

const USERNAME = /^[A-Za-z0-9_]{1,32}$/;
/** Suffix of the second account of an alternating-users rotation (AWS's own convention). */
export const CLONE_SUFFIX = '_clone';

/** Parses and shape-checks a database secret; every other key is carried over unchanged. */
export function parseDbSecret(secretString: string, what: string): RotatedDbSecret {
  const value: unknown = JSON.parse(secretString);
  if (typeof value !== 'object' || value === null) throw new Error(`${what} is not a JSON object`);
  const secret = value as Record<string, unknown>;
  for (const key of ['host', 'username', 'password'] as const) {
    if (typeof secret[key] !== 'string' || secret[key] === '') throw new Error(`${what} lacks ${key}`);
  }
  if (!USERNAME.test(secret.username as string)) throw new Error(`${what} has an unexpected username`);
  const port = Number(secret.port ?? 3306);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`${what} has a bad port`);
  for (const key of ['dbname', 'masterarn'] as const) {
    if (secret[key] !== undefined && typeof secret[key] !== 'string') throw new Error(`${what}: bad ${key}`);
  }
  return { ...(secret as Omit<RotatedDbSecret, 'port'>), port } as RotatedDbSecret;
}

/** parley_app ↔ parley_app_clone: the account the next version of an alternating secret uses. */
export function alternateUsername(username: string): string {
  if (username.endsWith(CLONE_SUFFIX)) return username.slice(0, -CLONE_SUFFIX.length);
  const clone = `${username}${CLONE_SUFFIX}`;
  if (clone.length > 32) throw new Error(`${username} is too long to get the ${CLONE_SUFFIX} suffix`);
  return clone;
}

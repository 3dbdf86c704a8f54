import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

/** The JSON that RDS-generated and `DatabaseSecret` secrets hold. */
export interface DbSecret {
  username: string;
  password: string;
  host: string;
  port: number;
  dbname?: string;
}

/** Reads AWSCURRENT every time: rotation may have changed it since the last deploy. */
export async function readDbSecret(client: SecretsManagerClient, secretId: string): Promise<DbSecret> {
  const result = await client.send(new GetSecretValueCommand({ SecretId: secretId }));
  const value = JSON.parse(result.SecretString ?? 'null') as Partial<DbSecret> | null;
  if (!value || typeof value.username !== 'string' || typeof value.password !== 'string') {
    throw new Error(`secret ${secretId} lacks username/password`);
  }
  if (typeof value.host !== 'string') throw new Error(`secret ${secretId} lacks host`);
  return {
    username: value.username,
    password: value.password,
    host: value.host,
    port: Number(value.port ?? 3306),
    ...(typeof value.dbname === 'string' ? { dbname: value.dbname } : {}),
  };
}

/** mysql:// URI for mysql2; credentials are percent-encoded because generated passwords contain symbols. */
export function mysqlUri(secret: DbSecret, database?: string): string {
  const user = encodeURIComponent(secret.username);
  const password = encodeURIComponent(secret.password);
  return `mysql://${user}:${password}@${secret.host}:${secret.port}/${database ? encodeURIComponent(database) : ''}`;
}

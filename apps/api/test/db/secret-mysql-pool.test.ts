import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { sql } from 'kysely';
import { createConnection } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { appUserStatements } from '../../src/db/app-user.js';
import { openDatabase } from '../../src/platform/platform.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';

describe('database credentials from Secrets Manager (RDS multi-user rotation)', () => {
  let testDb: TestDatabase;
  const secrets = mockClient(SecretsManagerClient);
  let admin: Awaited<ReturnType<typeof createConnection>>;
  const clone = { user: 'app_clone_test', password: 'clone-password-0123456789' };

  beforeAll(async () => {
    testDb = await createTestDatabase('mariadb');
    admin = await createConnection(testDb.adminSchemaUrl as string);
    const schema = new URL(testDb.config.database.url).pathname.slice(1);
    // The "_clone" user that RDS multi-user rotation alternates with, with the same grants.
    for (const statement of appUserStatements({
      database: schema,
      user: clone.user,
      password: clone.password,
      host: '%',
      requireSsl: false,
    })) {
      await admin.query(statement);
    }
  });
  afterAll(async () => {
    await admin?.end();
    await testDb?.cleanup();
    secrets.restore();
  });

  function secretFor(user: string, password: string) {
    const url = new URL(testDb.config.database.url);
    return JSON.stringify({
      username: user,
      password,
      host: url.hostname,
      port: Number(url.port),
      dbname: url.pathname.slice(1),
      engine: 'mysql',
    });
  }
  const appUser = () => {
    const url = new URL(testDb.config.database.url);
    return { user: decodeURIComponent(url.username), password: decodeURIComponent(url.password) };
  };

  function open() {
    const config = loadConfig({
      SECRETS_SOURCE: 'aws',
      SECRET_ID_ACTIVE_SESSION: 'a',
      SECRET_ID_VERIFY_EMAIL: 'b',
      SECRET_ID_PASSWORD_RESET: 'c',
      SECRET_ID_MFA_ENCRYPTION: 'd',
      SMTP_URL: 'smtp://127.0.0.1:1',
      DATABASE_SECRET_ID: 'parley/db/app',
      LOG_LEVEL: 'silent',
    });
    return openDatabase(config, new SecretsManagerClient({ region: 'eu-west-1' }));
  }

  it('connects with the credentials in the secret, and re-reads them when the server refuses them', async () => {
    const { user } = appUser();
    secrets
      .on(GetSecretValueCommand, { SecretId: 'parley/db/app' })
      .resolvesOnce({ SecretString: secretFor(user, 'stale-password-from-before-rotation') })
      .resolves({ SecretString: secretFor(clone.user, clone.password) });
    const database = open();
    const { rows } = await sql<{ u: string }>`select current_user() as u`.execute(database.db);
    expect(rows[0]?.u).toBe(`${clone.user}@%`);
    expect(secrets.commandCalls(GetSecretValueCommand).length).toBe(2);
    // Least privilege holds for the rotated user too.
    await expect(sql`delete from users`.execute(database.db)).rejects.toMatchObject({
      code: 'ER_TABLEACCESS_DENIED_ERROR',
    });
    await database.destroy();
  });
});

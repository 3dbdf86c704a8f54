import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SecretsManagerRotationEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { type Connection, createConnection } from 'mysql2/promise';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type MariaDbServer, startMariaDb } from '../../scripts/services/mariadb.js';
import { makeTlsFiles } from '../../scripts/services/tls.js';
import { appUserStatements } from '../lambda/db-rotation/api-app-user.js';
import { tlsConnector } from '../lambda/db-rotation/connect.js';
import { createHandler } from '../lambda/db-rotation/handler.js';
import { DB_PASSWORD_EXCLUDE } from '../lib/constructs/mysql-database.construct.js';
import { FakeSecretsManager } from './support/fake-secrets-manager.js';

/*
 * The rotation Lambda end to end against a real server that refuses plain TCP
 * (require_secure_transport=ON, certificate from a test CA): Secrets Manager is the in-memory fake,
 * everything on the database side is real — logins, ALTER USER, CREATE USER, grants, TLS verification.
 */

const MASTER = 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:parley/db/master-AbCdEf';
const APP = 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:parley/db/app-GhIjKl';
const DATABASE = 'parley_rotation';
const ADMIN_PASSWORD = 'admin-initial-password-0001';
const APP_PASSWORD = 'app-initial-password-000001';

interface DbSecretValue {
  host: string;
  port: number;
  username: string;
  password: string;
  dbname?: string;
}

let server: MariaDbServer;
let ca: string;
const smMock = mockClient(SecretsManagerClient);
let sm: FakeSecretsManager;

/** A login over verified TLS with the given credentials (what the app does with the secret). */
function login(secret: Pick<DbSecretValue, 'username' | 'password'>, database?: string): Promise<Connection> {
  return createConnection({
    host: server.host,
    port: server.port,
    user: secret.username,
    password: secret.password,
    ...(database ? { database } : {}),
    ssl: { ca, rejectUnauthorized: true },
  });
}

async function canLogIn(secret: Pick<DbSecretValue, 'username' | 'password'>): Promise<boolean> {
  try {
    const connection = await login(secret);
    await connection.end();
    return true;
  } catch (error) {
    if ((error as { errno?: number }).errno === 1045) return false;
    throw error;
  }
}

/** Puts the admin account back to its initial password (each test starts from the same state). */
async function resetAdminPassword(): Promise<void> {
  const root = await createConnection({ uri: server.adminUrl, ssl: { ca, rejectUnauthorized: true } });
  await root.query(`ALTER USER 'rot_admin'@'%' IDENTIFIED BY '${ADMIN_PASSWORD}'`);
  await root.end();
}

function handlerTrusting(caPem: string) {
  return createHandler({
    client: new SecretsManagerClient({ region: 'eu-west-1' }),
    connect: tlsConnector(caPem),
    excludeCharacters: DB_PASSWORD_EXCLUDE,
    log: () => {},
  });
}

async function rotate(secretId: string, handler = handlerTrusting(ca)): Promise<void> {
  const token = sm.startRotation(secretId);
  for (const step of ['createSecret', 'setSecret', 'testSecret', 'finishSecret']) {
    await handler({
      SecretId: secretId,
      ClientRequestToken: token,
      Step: step as SecretsManagerRotationEvent['Step'],
    });
  }
}

beforeAll(async () => {
  server = await startMariaDb({ tls: true });
  ca = readFileSync(server.caFile as string, 'utf8');
  // An admin account shaped like the RDS master user, and the app user as the bootstrap makes it.
  const root = await createConnection({ uri: server.adminUrl, ssl: { ca, rejectUnauthorized: true } });
  await root.query(`CREATE DATABASE ${DATABASE}`);
  await root.query(`CREATE TABLE ${DATABASE}.notes (id INT PRIMARY KEY, body VARCHAR(100))`);
  await root.query(`CREATE USER 'rot_admin'@'%' IDENTIFIED BY '${ADMIN_PASSWORD}' REQUIRE SSL`);
  await root.query(`GRANT ALL PRIVILEGES ON *.* TO 'rot_admin'@'%' WITH GRANT OPTION`);
  for (const statement of appUserStatements({
    database: DATABASE,
    user: 'parley_app',
    password: APP_PASSWORD,
    host: '%',
    requireSsl: true,
  })) {
    await root.query(statement);
  }
  await root.end();
}, 120_000);

afterAll(async () => {
  await server?.stop();
});

beforeEach(() => {
  smMock.reset();
  sm = new FakeSecretsManager();
  sm.install(smMock);
});

describe('DB secret rotation against MariaDB with require_secure_transport=ON', () => {
  it('single user: after the four steps the new password logs in over TLS and the old one is refused', async () => {
    const base = { engine: 'mysql', host: server.host, port: server.port };
    sm.create(MASTER, { ...base, username: 'rot_admin', password: ADMIN_PASSWORD });
    await rotate(MASTER);

    const current = sm.value<DbSecretValue>(MASTER);
    const previous = sm.value<DbSecretValue>(MASTER, 'AWSPREVIOUS');
    expect(current.password).not.toBe(ADMIN_PASSWORD);
    expect(previous.password).toBe(ADMIN_PASSWORD);
    const connection = await login(current);
    const [rows] = await connection.query("SHOW SESSION STATUS LIKE 'Ssl_cipher'");
    expect((rows as { Value: string }[])[0]?.Value).not.toBe('');
    await connection.end();
    expect(await canLogIn(previous)).toBe(false);
    // The server still refuses the new password without TLS.
    await expect(
      createConnection({
        host: server.host,
        port: server.port,
        user: current.username,
        password: current.password,
      }),
    ).rejects.toMatchObject({
      code: expect.stringMatching(/^(ER_ACCESS_DENIED_ERROR|ER_SECURE_TRANSPORT_REQUIRED)$/),
    });

    // A second rotation works from the rotated state (the master rotates every 30 days).
    await rotate(MASTER);
    expect(await canLogIn(sm.value<DbSecretValue>(MASTER))).toBe(true);
    expect(await canLogIn(current)).toBe(false);
  });

  it('alternating users: parley_app_clone gets the app grants (no DELETE, REQUIRE SSL); the old login keeps working', async () => {
    const base = { engine: 'mysql', host: server.host, port: server.port };
    await resetAdminPassword();
    sm.create(MASTER, { ...base, username: 'rot_admin', password: ADMIN_PASSWORD });
    sm.create(APP, {
      ...base,
      username: 'parley_app',
      password: APP_PASSWORD,
      dbname: DATABASE,
      masterarn: MASTER,
    });

    await rotate(APP);
    const clone = sm.value<DbSecretValue>(APP);
    expect(clone).toMatchObject({ username: 'parley_app_clone', dbname: DATABASE });
    const app = await login(clone, DATABASE);
    await app.query('INSERT INTO notes (id, body) VALUES (1, ?)', ['written by the clone']);
    await app.query('UPDATE notes SET body = ? WHERE id = 1', ['updated by the clone']);
    await expect(app.query('DELETE FROM notes WHERE id = 1')).rejects.toMatchObject({
      code: 'ER_TABLEACCESS_DENIED_ERROR',
    });
    const [grants] = await app.query('SHOW GRANTS');
    await app.end();
    const text = JSON.stringify(grants);
    expect(text).toContain(`GRANT SELECT, INSERT, UPDATE ON \`${DATABASE}\`.* TO \`parley_app_clone\`@\`%\``);
    expect(text).not.toMatch(/DELETE|ALL PRIVILEGES/);
    // Connections opened with the previous version keep working until the next rotation.
    expect(await canLogIn({ username: 'parley_app', password: APP_PASSWORD })).toBe(true);

    await rotate(APP);
    const back = sm.value<DbSecretValue>(APP);
    expect(back.username).toBe('parley_app');
    expect(await canLogIn(back)).toBe(true);
    expect(await canLogIn({ username: 'parley_app', password: APP_PASSWORD })).toBe(false);
    expect(await canLogIn(clone)).toBe(true);
  });

  it('refuses a server whose certificate is not signed by the trusted CA, and changes nothing', async () => {
    const base = { engine: 'mysql', host: server.host, port: server.port };
    await resetAdminPassword();
    sm.create(MASTER, { ...base, username: 'rot_admin', password: ADMIN_PASSWORD });
    const otherCa = readFileSync(
      makeTlsFiles(mkdtempSync(path.join(tmpdir(), 'parley-other-ca-'))).caCert,
      'utf8',
    );
    await expect(rotate(MASTER, handlerTrusting(otherCa))).rejects.toThrow(/certificate|self.signed|verify/i);
    expect(sm.versionWith(MASTER, 'AWSCURRENT')).toBe('v0');
    expect(await canLogIn({ username: 'rot_admin', password: ADMIN_PASSWORD })).toBe(true);
  });
});

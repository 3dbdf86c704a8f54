import {
  GetRandomPasswordCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import type { SecretsManagerRotationEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { format } from 'mysql2';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Connect } from '../lambda/db-rotation/connect.js';
import { alternateUsername, parseDbSecret } from '../lambda/db-rotation/db-secret.js';
import { createHandler } from '../lambda/db-rotation/handler.js';
import { DB_PASSWORD_EXCLUDE } from '../lib/constructs/mysql-database.construct.js';
import { FakeSecretsManager } from './support/fake-secrets-manager.js';

const MASTER = 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:parley/db/master-AbCdEf';
const APP = 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:parley/db/app-GhIjKl';
const HOST = 'parley-mysql.abc.eu-west-1.rds.amazonaws.com';

const denied = () =>
  Object.assign(new Error('Access denied'), { code: 'ER_ACCESS_DENIED_ERROR', errno: 1045 });

/**
 * A MySQL server reduced to what rotation touches: accounts with passwords (changed by the exact SQL
 * the function sends, rendered as mysql2 sends it), sessions that are TLS unless told otherwise.
 */
class FakeMysql {
  readonly passwords = new Map<string, string>();
  readonly statements: { as: string; sql: string }[] = [];
  tls = true;
  unreachable = false;

  readonly connect: Connect = async (secret) => {
    if (this.unreachable) throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    if (secret.host !== HOST || this.passwords.get(secret.username) !== secret.password) throw denied();
    const user = secret.username;
    return {
      query: async (sql, values) => {
        const rendered = values ? format(sql, values as Parameters<typeof format>[1]) : sql;
        this.statements.push({ as: user, sql: rendered });
        if (rendered.startsWith('SELECT CURRENT_USER()')) return [{ account: `${user}@%` }];
        if (rendered.startsWith('SHOW SESSION STATUS'))
          return [{ Variable_name: 'Ssl_cipher', Value: this.tls ? 'TLS_AES_256_GCM_SHA384' : '' }];
        const change = rendered.match(
          /^(CREATE USER IF NOT EXISTS|ALTER USER) '([^']+)'@'%' IDENTIFIED BY '([^']*)'/,
        );
        if (change) {
          const [, verb, account, password] = change as unknown as [string, string, string, string];
          if (verb === 'ALTER USER' || !this.passwords.has(account)) this.passwords.set(account, password);
        }
        return [];
      },
      end: async () => {},
    };
  };

  changes(): string[] {
    return this.statements.map((s) => s.sql).filter((sql) => !/^(SELECT|SHOW)/.test(sql));
  }
}

const smMock = mockClient(SecretsManagerClient);
let sm: FakeSecretsManager;
let db: FakeMysql;
let handler: ReturnType<typeof createHandler>;
const logs: string[] = [];

function event(secretId: string, step: string, token: string): SecretsManagerRotationEvent {
  return { SecretId: secretId, Step: step as SecretsManagerRotationEvent['Step'], ClientRequestToken: token };
}

async function rotate(secretId: string, steps = ['createSecret', 'setSecret', 'testSecret', 'finishSecret']) {
  const token = sm.startRotation(secretId);
  for (const step of steps) await handler(event(secretId, step, token));
  return token;
}

beforeEach(() => {
  smMock.reset();
  sm = new FakeSecretsManager();
  sm.install(smMock);
  db = new FakeMysql();
  logs.length = 0;
  sm.create(MASTER, {
    engine: 'mysql',
    host: HOST,
    port: 3306,
    username: 'parley_admin',
    password: 'master-password-0001',
    dbInstanceIdentifier: 'parley-mysql',
  });
  sm.create(APP, {
    engine: 'mysql',
    host: HOST,
    port: 3306,
    username: 'parley_app',
    password: 'app-password-00000001',
    dbname: 'parley',
    masterarn: MASTER,
  });
  db.passwords.set('parley_admin', 'master-password-0001');
  db.passwords.set('parley_app', 'app-password-00000001');
  handler = createHandler({
    client: new SecretsManagerClient({ region: 'eu-west-1' }),
    connect: db.connect,
    excludeCharacters: DB_PASSWORD_EXCLUDE,
    log: (message) => logs.push(message),
  });
});

describe('DB rotation: single user (the master secret)', () => {
  it('createSecret asks Secrets Manager for a 32-character password without the excluded characters', async () => {
    const token = sm.startRotation(MASTER);
    await handler(event(MASTER, 'createSecret', token));
    expect(smMock.commandCalls(GetRandomPasswordCommand)[0]?.args[0].input).toEqual({
      PasswordLength: 32,
      ExcludeCharacters: DB_PASSWORD_EXCLUDE,
    });
    const pending = sm.value<{ username: string; password: string; host: string }>(MASTER, 'AWSPENDING');
    expect(pending).toMatchObject({
      username: 'parley_admin',
      host: HOST,
      dbInstanceIdentifier: 'parley-mysql',
    });
    expect(pending.password).toHaveLength(32);
    expect([...pending.password].filter((c) => DB_PASSWORD_EXCLUDE.includes(c))).toEqual([]);
  });

  it('a retried createSecret keeps the first pending password', async () => {
    const token = sm.startRotation(MASTER);
    await handler(event(MASTER, 'createSecret', token));
    const first = sm.value(MASTER, 'AWSPENDING');
    await handler(event(MASTER, 'createSecret', token));
    expect(sm.value(MASTER, 'AWSPENDING')).toEqual(first);
    expect(smMock.commandCalls(PutSecretValueCommand)).toHaveLength(1);
  });

  it('setSecret changes its own password with ALTER USER … IDENTIFIED BY (never PASSWORD())', async () => {
    const token = sm.startRotation(MASTER);
    await handler(event(MASTER, 'createSecret', token));
    await handler(event(MASTER, 'setSecret', token));
    const pending = sm.value<{ password: string }>(MASTER, 'AWSPENDING');
    expect(db.changes()).toEqual([`ALTER USER 'parley_admin'@'%' IDENTIFIED BY '${pending.password}'`]);
    expect(db.statements.every((s) => s.as === 'parley_admin')).toBe(true);
    expect(db.statements.map((s) => s.sql).join('\n')).not.toMatch(/PASSWORD\(/i);
    // Retried: the pending password already logs in, nothing is changed twice.
    await handler(event(MASTER, 'setSecret', token));
    expect(db.changes()).toHaveLength(1);
  });

  it('a full rotation: the new password logs in, the old one no longer does, AWSCURRENT moved', async () => {
    const token = await rotate(MASTER);
    const current = sm.value<{ username: string; password: string }>(MASTER);
    expect(sm.versionWith(MASTER, 'AWSCURRENT')).toBe(token);
    expect(sm.versionWith(MASTER, 'AWSPREVIOUS')).toBe('v0');
    expect(db.passwords.get('parley_admin')).toBe(current.password);
    expect(current.password).not.toBe('master-password-0001');
    expect(smMock.commandCalls(UpdateSecretVersionStageCommand)[0]?.args[0].input).toEqual({
      SecretId: MASTER,
      VersionStage: 'AWSCURRENT',
      MoveToVersionId: token,
      RemoveFromVersionId: 'v0',
    });
  });

  it('setSecret logs in with AWSPREVIOUS when AWSCURRENT was already changed in the database', async () => {
    await rotate(MASTER);
    // Someone reset the database to the previous password; the next rotation must still work.
    db.passwords.set('parley_admin', 'master-password-0001');
    await rotate(MASTER);
    expect(db.passwords.get('parley_admin')).toBe(sm.value<{ password: string }>(MASTER).password);
  });

  it('setSecret fails when neither AWSCURRENT nor AWSPREVIOUS logs in, and AWSCURRENT stays', async () => {
    db.passwords.set('parley_admin', 'changed-behind-our-back');
    const token = sm.startRotation(MASTER);
    await handler(event(MASTER, 'createSecret', token));
    await expect(handler(event(MASTER, 'setSecret', token))).rejects.toThrow(/no AWSPREVIOUS|neither/);
    expect(sm.versionWith(MASTER, 'AWSCURRENT')).toBe('v0');
  });

  it('never treats a network failure as "not set yet"', async () => {
    const token = sm.startRotation(MASTER);
    await handler(event(MASTER, 'createSecret', token));
    db.unreachable = true;
    await expect(handler(event(MASTER, 'setSecret', token))).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    expect(db.changes()).toEqual([]);
  });

  it('refuses a pending version that points at another server', async () => {
    const token = sm.startRotation(MASTER);
    await handler(event(MASTER, 'createSecret', token));
    const pending = sm.value(MASTER, 'AWSPENDING');
    sm.secrets.get(MASTER)?.values.set(token, JSON.stringify({ ...pending, host: 'evil.example.com' }));
    await expect(handler(event(MASTER, 'setSecret', token))).rejects.toThrow(/another server/);
    expect(db.changes()).toEqual([]);
  });

  it('testSecret fails when the pending password does not log in or the session is not encrypted', async () => {
    const token = sm.startRotation(MASTER);
    await handler(event(MASTER, 'createSecret', token));
    await expect(handler(event(MASTER, 'testSecret', token))).rejects.toMatchObject({ errno: 1045 });
    await handler(event(MASTER, 'setSecret', token));
    db.tls = false;
    await expect(handler(event(MASTER, 'testSecret', token))).rejects.toThrow(/not encrypted/);
    expect(sm.versionWith(MASTER, 'AWSCURRENT')).toBe('v0');
  });
});

describe('DB rotation: alternating users (the app-user secret with masterarn)', () => {
  it('creates parley_app_clone with the master secret and the app user statements, then switches to it', async () => {
    await rotate(APP);
    const current = sm.value<{ username: string; password: string; dbname: string }>(APP);
    expect(current).toMatchObject({ username: 'parley_app_clone', dbname: 'parley', masterarn: MASTER });
    expect(db.passwords.get('parley_app_clone')).toBe(current.password);
    const changes = db.statements.filter((s) => !/^(SELECT|SHOW)/.test(s.sql));
    expect(changes.every((s) => s.as === 'parley_admin')).toBe(true);
    expect(changes.map((s) => s.sql)).toEqual([
      `CREATE USER IF NOT EXISTS 'parley_app_clone'@'%' IDENTIFIED BY '${current.password}' REQUIRE SSL`,
      `ALTER USER 'parley_app_clone'@'%' IDENTIFIED BY '${current.password}' REQUIRE SSL`,
      "REVOKE ALL PRIVILEGES, GRANT OPTION FROM 'parley_app_clone'@'%'",
      "GRANT SELECT, INSERT, UPDATE ON `parley`.* TO 'parley_app_clone'@'%'",
    ]);
    // Connections opened with the previous version keep working until the next rotation.
    expect(db.passwords.get('parley_app')).toBe('app-password-00000001');
  });

  it('the next rotation alternates back to parley_app with a new password', async () => {
    await rotate(APP);
    await rotate(APP);
    const current = sm.value<{ username: string; password: string }>(APP);
    expect(current.username).toBe('parley_app');
    expect(current.password).not.toBe('app-password-00000001');
    expect(db.passwords.get('parley_app')).toBe(current.password);
    expect(sm.value<{ username: string }>(APP, 'AWSPREVIOUS').username).toBe('parley_app_clone');
  });

  it('refuses a master secret on another server', async () => {
    sm.create(MASTER, { ...sm.value<Record<string, unknown>>(MASTER), host: 'other.example.com' });
    const token = sm.startRotation(APP);
    await handler(event(APP, 'createSecret', token));
    await expect(handler(event(APP, 'setSecret', token))).rejects.toThrow(
      /master secret points at another server/,
    );
  });

  it('names the other account and keeps within MySQL’s 32-character user names', () => {
    expect(alternateUsername('parley_app')).toBe('parley_app_clone');
    expect(alternateUsername('parley_app_clone')).toBe('parley_app');
    expect(() => alternateUsername('a'.repeat(27))).toThrow(/too long/);
    expect(() => parseDbSecret('{"host":"h","username":"x; DROP","password":"p"}', 'AWSCURRENT')).toThrow(
      /unexpected username/,
    );
  });
});

describe('DB rotation: event checks', () => {
  it('refuses tokens that are not pending, unknown steps and secrets with rotation disabled', async () => {
    await expect(handler(event(MASTER, 'createSecret', 'nope'))).rejects.toThrow(/has no stage/);
    const token = sm.startRotation(MASTER);
    await expect(handler(event(MASTER, 'dropTables', token))).rejects.toThrow(/unknown rotation step/);
    const secret = sm.secrets.get(MASTER);
    if (secret) secret.rotationEnabled = false;
    await expect(handler(event(MASTER, 'createSecret', token))).rejects.toThrow(/rotation disabled/);
  });

  it('does nothing for a version that is already AWSCURRENT (retry after success)', async () => {
    const token = await rotate(MASTER);
    const before = db.statements.length;
    await handler(event(MASTER, 'setSecret', token));
    expect(db.statements).toHaveLength(before);
  });
});

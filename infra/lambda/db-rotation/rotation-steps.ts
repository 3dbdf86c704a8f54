import {
  GetRandomPasswordCommand,
  PutSecretValueCommand,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { finishRotation, type Log, readSecretString, readSecretStringIfExists } from '../shared/rotation.js';
import { appUserStatements } from './api-app-user.js';
import { type Connect, type DbSession, isAccessDenied } from './connect.js';
import { alternateUsername, parseDbSecret, type RotatedDbSecret } from './db-secret.js';

export interface DbStepContext {
  readonly client: SecretsManagerClient;
  readonly secretId: string;
  readonly token: string;
  readonly connect: Connect;
  /** Characters generated passwords leave out (they break URIs, shells or the mysql client). */
  readonly excludeCharacters: string;
  readonly passwordLength: number;
  readonly log: Log;
}

async function readDbSecret(ctx: DbStepContext, stage: string, versionId?: string): Promise<RotatedDbSecret> {
  return parseDbSecret(await readSecretString(ctx.client, ctx.secretId, stage, versionId), stage);
}

/** True when `secret` logs in; false only for "access denied" (any other failure is thrown). */
async function canLogIn(ctx: DbStepContext, secret: RotatedDbSecret): Promise<boolean> {
  try {
    const session = await ctx.connect(secret);
    await session.end();
    return true;
  } catch (error) {
    if (isAccessDenied(error)) return false;
    throw error;
  }
}

async function withSession<T>(session: DbSession, work: (session: DbSession) => Promise<T>): Promise<T> {
  try {
    return await work(session);
  } finally {
    await session.end();
  }
}

/**
 * AWSPENDING = AWSCURRENT with a new generated password; for a secret with `masterarn` (alternating
 * users) also the other user name, so the current login keeps working until the next rotation.
 */
export async function createSecret(ctx: DbStepContext): Promise<void> {
  const current = await readDbSecret(ctx, 'AWSCURRENT');
  if ((await readSecretStringIfExists(ctx.client, ctx.secretId, 'AWSPENDING', ctx.token)) !== undefined) {
    ctx.log(`createSecret: version ${ctx.token} already pending, nothing to do`);
    return;
  }
  const { RandomPassword } = await ctx.client.send(
    new GetRandomPasswordCommand({
      PasswordLength: ctx.passwordLength,
      ExcludeCharacters: ctx.excludeCharacters,
    }),
  );
  if (!RandomPassword) throw new Error('GetRandomPassword returned no password');
  const pending: RotatedDbSecret = {
    ...current,
    password: RandomPassword,
    ...(current.masterarn ? { username: alternateUsername(current.username) } : {}),
  };
  await ctx.client.send(
    new PutSecretValueCommand({
      SecretId: ctx.secretId,
      ClientRequestToken: ctx.token,
      SecretString: JSON.stringify(pending),
      VersionStages: ['AWSPENDING'],
    }),
  );
  ctx.log(`createSecret: put version ${ctx.token} for user ${pending.username}`);
}

/**
 * Makes the database accept AWSPENDING. Single user: log in with AWSCURRENT (or AWSPREVIOUS) and
 * `ALTER USER … IDENTIFIED BY` its own account. Alternating users: log in with the master secret and
 * create or update the other account with the app user's statements (same grants, REQUIRE SSL).
 * Nothing happens when AWSPENDING already logs in (a retried step).
 */
export async function setSecret(ctx: DbStepContext): Promise<void> {
  const pending = await readDbSecret(ctx, 'AWSPENDING', ctx.token);
  const current = await readDbSecret(ctx, 'AWSCURRENT');
  // The pending version must not redirect the rotation (and its admin login) to another server.
  if (pending.host !== current.host || pending.port !== current.port) {
    throw new Error('setSecret: AWSPENDING points at another server than AWSCURRENT');
  }
  if (await canLogIn(ctx, pending)) {
    ctx.log(`setSecret: ${pending.username} already logs in with the pending password`);
    return;
  }

  if (pending.masterarn) {
    const master = parseDbSecret(
      await readSecretString(ctx.client, pending.masterarn, 'AWSCURRENT'),
      'master',
    );
    if (master.host !== pending.host || master.port !== pending.port) {
      throw new Error('setSecret: the master secret points at another server');
    }
    if (!pending.dbname) throw new Error('setSecret: an alternating-users secret needs dbname');
    const statements = appUserStatements({
      database: pending.dbname,
      user: pending.username,
      password: pending.password,
      host: '%',
      requireSsl: true,
    });
    await withSession(await ctx.connect(master), async (session) => {
      for (const statement of statements) await session.query(statement);
    });
    ctx.log(`setSecret: ${pending.username} created or updated by ${master.username}`);
    return;
  }

  const session = await loginWithCurrentOrPrevious(ctx, current);
  await withSession(session, async (db) => {
    const [row] = await db.query('SELECT CURRENT_USER() AS account');
    const account = String(row?.account ?? '');
    const at = account.lastIndexOf('@');
    const [user, host] = [account.slice(0, at), account.slice(at + 1)];
    if (at < 1 || user !== pending.username) {
      throw new Error(`setSecret: logged in as ${account}, not as ${pending.username}`);
    }
    // mysql2 escapes the values client-side; the password never appears in a log line.
    await db.query('ALTER USER ?@? IDENTIFIED BY ?', [user, host, pending.password]);
  });
  ctx.log(`setSecret: password of ${pending.username} changed`);
}

async function loginWithCurrentOrPrevious(ctx: DbStepContext, current: RotatedDbSecret): Promise<DbSession> {
  try {
    return await ctx.connect(current);
  } catch (error) {
    if (!isAccessDenied(error)) throw error;
  }
  const previous = await readSecretStringIfExists(ctx.client, ctx.secretId, 'AWSPREVIOUS');
  if (previous === undefined)
    throw new Error('setSecret: AWSCURRENT does not log in and there is no AWSPREVIOUS');
  try {
    return await ctx.connect(parseDbSecret(previous, 'AWSPREVIOUS'));
  } catch (error) {
    if (isAccessDenied(error)) throw new Error('setSecret: neither AWSCURRENT nor AWSPREVIOUS logs in');
    throw error;
  }
}

/** Logs in with AWSPENDING (into its database, when it has one) and proves the session is encrypted. */
export async function testSecret(ctx: DbStepContext): Promise<void> {
  const pending = await readDbSecret(ctx, 'AWSPENDING', ctx.token);
  const session = await ctx.connect(pending, pending.dbname ? { database: pending.dbname } : {});
  await withSession(session, async (db) => {
    const [cipher] = await db.query("SHOW SESSION STATUS LIKE 'Ssl_cipher'");
    if (!cipher?.Value) throw new Error('testSecret: the session is not encrypted');
    await db.query('SELECT 1');
  });
  ctx.log(`testSecret: ${pending.username} logs in over TLS`);
}

export async function finishSecret(ctx: DbStepContext): Promise<void> {
  await finishRotation(ctx.client, ctx.secretId, ctx.token, ctx.log);
}

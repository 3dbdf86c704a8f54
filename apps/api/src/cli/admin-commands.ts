import { Email } from '@parley/contract';
import type { Kysely } from 'kysely';
import { loadConfig } from '../config.js';
import type { DB } from '../db/schema.js';
import { fromDbTime } from '../db/time.js';
import { type RequestOrigin, recordAuthEvent } from '../modules/auth/auth-event.repository.js';
import { mfaStatus, operatorDisableMfa } from '../modules/auth/mfa/mfa.service.js';
import { endSessions } from '../modules/auth/session-end.js';
import { listActiveSessions, usersWithLiveSessions } from '../modules/sessions/session.repository.js';
import { findLiveUserByEmail, type UserRow } from '../modules/users/user.repository.js';
import type { EventBus } from '../platform/bus/event-bus.js';
import { createLocalEventBus } from '../platform/bus/local-event.bus.js';
import { createRedisEventBus } from '../platform/bus/redis-event.bus.js';
import type { MailQueue } from '../platform/mail/mail-queue.js';
import { connectRedis, createMailQueue, openDatabase } from '../platform/platform.js';

/**
 * `npm run admin -- <command>`: what an operator may do to accounts, on SQLite and MySQL alike. Every
 * change goes through the same code as the app (sessions end through `endSessions`, so their sockets
 * close on every instance when the bus reaches them) and is recorded in `auth_events`. Prints ids, counts
 * and times; never a secret. Exit status: 0 done, 1 failed (e.g. no such account), 2 bad usage.
 */

export interface AdminContext {
  readonly db: Kysely<DB>;
  readonly bus: EventBus;
  readonly mail: MailQueue;
  readonly now: () => Date;
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
}

export const ADMIN_USAGE = `usage: npm run admin -- <command>
  revoke-sessions <email>   end every session of one account (its sockets close on every instance)
  revoke-all-sessions       end every session of every account
  disable-mfa <email>       turn off the account's authenticator app, recovery codes and passkeys,
                            end its sessions and email the user (after they proved who they are: docs/operations.md)
  show-user <email>         the account, its second factors and its live sessions`;

const origin = (command: string): RequestOrigin => ({ ip: 'cli', userAgent: `npm run admin -- ${command}` });

type Command = (ctx: AdminContext, args: readonly string[]) => Promise<number>;

/** A command taking one email: the live account, or a message and status 1 (2 for a bad address). */
const withUser =
  (name: string, run: (ctx: AdminContext, user: UserRow) => Promise<number>): Command =>
  async (ctx, args) => {
    const email = Email.safeParse(args[0] ?? '');
    if (args.length !== 1 || !email.success) {
      ctx.err(`usage: npm run admin -- ${name} <email>`);
      return 2;
    }
    const user = await findLiveUserByEmail(ctx.db, email.data);
    if (!user) {
      ctx.err(`no account with the email ${email.data}`);
      return 1;
    }
    return run(ctx, user);
  };

const COMMANDS: Readonly<Record<string, Command>> = {
  'revoke-sessions': withUser('revoke-sessions', async (ctx, user) => {
    const ended = await endSessions(ctx, { userId: user.id, reason: 'operator' });
    await recordAuthEvent(ctx.db, {
      type: 'operator_revoked_sessions',
      userId: user.id,
      origin: origin('revoke-sessions'),
      now: ctx.now(),
    });
    ctx.out(`ended ${ended.length} session(s) of user ${user.id}`);
    return 0;
  }),

  'revoke-all-sessions': async (ctx, args) => {
    if (args.length !== 0) {
      ctx.err('usage: npm run admin -- revoke-all-sessions');
      return 2;
    }
    let users = 0;
    let sessions = 0;
    let after: string | undefined;
    for (;;) {
      const page = await usersWithLiveSessions(ctx.db, { afterUserId: after, limit: 500 });
      for (const userId of page) {
        const ended = await endSessions(ctx, { userId, reason: 'operator' });
        if (ended.length === 0) continue;
        users += 1;
        sessions += ended.length;
        await recordAuthEvent(ctx.db, {
          type: 'operator_revoked_all_sessions',
          userId,
          origin: origin('revoke-all-sessions'),
          now: ctx.now(),
        });
      }
      if (page.length < 500) break;
      after = page.at(-1);
    }
    ctx.out(`ended ${sessions} session(s) of ${users} account(s)`);
    return 0;
  },

  'disable-mfa': withUser('disable-mfa', async (ctx, user) => {
    const wasActive = await operatorDisableMfa(ctx, user, origin('disable-mfa'));
    ctx.out(
      wasActive
        ? `turned off two-step sign-in of user ${user.id}, ended their sessions and emailed ${user.email}`
        : `user ${user.id} had no authenticator app; their recovery codes and sessions ended anyway and ${user.email} was emailed`,
    );
    return 0;
  }),

  'show-user': withUser('show-user', async (ctx, user) => {
    const factors = await mfaStatus(ctx, user.id);
    const sessions = await listActiveSessions(ctx.db, user.id, ctx.now());
    const time = (value: string | null) => (value === null ? '–' : fromDbTime(value));
    ctx.out(`id           ${user.id}`);
    ctx.out(`email        ${user.email}`);
    ctx.out(`name         ${user.display_name}`);
    ctx.out(`verified     ${time(user.email_verified_at)}`);
    ctx.out(`created      ${time(user.created_at)}`);
    ctx.out(
      `two-step     ${factors.totp ? `authenticator app; ${factors.recoveryCodesLeft} recovery code(s) left` : 'off'}`,
    );
    ctx.out(`sessions     ${sessions.length} live`);
    for (const session of sessions) {
      ctx.out(
        `  ${session.id}  signed in ${time(session.created_at)}  last seen ${time(session.last_seen_at)}  ${session.ip ?? '–'}  ${session.user_agent ?? '–'}`,
      );
    }
    return 0;
  }),
};

/** Runs one admin command; returns the process exit status. */
export async function runAdminCommand(ctx: AdminContext, args: readonly string[]): Promise<number> {
  const [name, ...rest] = args;
  const command = name === undefined ? undefined : COMMANDS[name];
  if (!command) {
    ctx.err(ADMIN_USAGE);
    return 2;
  }
  return command(ctx, rest);
}

const log = {
  info: () => undefined,
  warn: (obj: object, msg: string) => process.stderr.write(`${msg} ${JSON.stringify(obj)}\n`),
  error: (obj: object, msg: string) => process.stderr.write(`${msg} ${JSON.stringify(obj)}\n`),
};

/**
 * Runs `args` against the deployment the environment configures (DATABASE_URL or the AWS secrets,
 * REDIS_URL, SMTP): session ends are written to the database, so every instance refuses those sessions
 * on their next request, and published on Redis when there is one, so every instance closes their
 * WebSockets at once; without Redis a running server closes them at its next heartbeat. The exit status.
 */
export async function runAdmin(args: readonly string[]): Promise<number> {
  const config = loadConfig();
  const database = openDatabase(config);
  const redis = await connectRedis(config, log);
  const redisBus = redis ? createRedisEventBus(redis, log) : undefined;
  const bus = redisBus ?? createLocalEventBus();
  const mail = await createMailQueue(config, log);
  try {
    const status = await runAdminCommand(
      {
        db: database.db,
        bus,
        mail,
        now: () => new Date(),
        out: (line) => process.stdout.write(`${line}\n`),
        err: (line) => process.stderr.write(`${line}\n`),
      },
      args,
    );
    if (status !== 0 || args[0] === 'show-user') return status;
    if (!redisBus) {
      process.stdout.write(
        `no REDIS_URL: a running server closes the ended sessions' WebSockets at its next heartbeat (within ${config.wsHeartbeatMs} ms); HTTP refuses them now\n`,
      );
      return status;
    }
    try {
      await redisBus.flush();
    } catch {
      process.stderr.write(
        `could not announce on Redis: running servers close their WebSockets at their next heartbeat (within ${config.wsHeartbeatMs} ms); HTTP refuses the sessions now\n`,
      );
      return 1;
    }
    process.stdout.write('announced on Redis: every instance closes their WebSockets now\n');
    return status;
  } finally {
    await mail.close();
    await bus.close();
    // QUIT is answered after the PUBLISH before it, so the announcement has left when this resolves.
    await redis?.quit().catch(() => redis.disconnect());
    await database.destroy();
  }
}

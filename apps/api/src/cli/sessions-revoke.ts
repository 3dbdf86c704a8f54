import { Email } from '@parley/contract';
import { loadConfig } from '../config.js';
import { recordAuthEvent } from '../modules/auth/auth-event.repository.js';
import { endSessions } from '../modules/auth/session-end.js';
import { findLiveUserByEmail } from '../modules/users/user.repository.js';
import { createLocalEventBus } from '../platform/bus/local-event.bus.js';
import { createRedisEventBus } from '../platform/bus/redis-event.bus.js';
import { connectRedis, openDatabase } from '../platform/platform.js';

/**
 * `npm run sessions:revoke -- <email>`: an operator ends every session of one account at once (a
 * stolen laptop, a compromised account). The sessions are revoked in the database, so every instance
 * refuses their tokens on the next request, and the end is published on the Redis bus (REDIS_URL), so
 * every instance closes their WebSockets with `session_revoked`/4001 at once. Without Redis the server
 * runs in another process this command cannot reach: its heartbeat closes the sockets within
 * WS_HEARTBEAT_MS. Prints counts and ids only.
 */
const USAGE = 'usage: npm run sessions:revoke -- <email>';

const quietLog = {
  info: () => undefined,
  warn: (obj: object, msg: string) => process.stderr.write(`${msg} ${JSON.stringify(obj)}\n`),
  error: (obj: object, msg: string) => process.stderr.write(`${msg} ${JSON.stringify(obj)}\n`),
};

async function main(args: readonly string[]): Promise<number> {
  const email = Email.safeParse(args[0] ?? '');
  if (args.length !== 1 || !email.success) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  const config = loadConfig();
  const database = openDatabase(config);
  const redis = await connectRedis(config, quietLog);
  const redisBus = redis ? createRedisEventBus(redis, quietLog) : undefined;
  const bus = redisBus ?? createLocalEventBus();
  try {
    const user = await findLiveUserByEmail(database.db, email.data);
    if (!user) {
      process.stderr.write(`no account with the email ${email.data}\n`);
      return 1;
    }
    const now = () => new Date();
    const ended = await endSessions({ db: database.db, now, bus }, { userId: user.id, reason: 'operator' });
    await recordAuthEvent(database.db, {
      type: 'operator_revoked_sessions',
      userId: user.id,
      origin: { ip: 'cli', userAgent: 'npm run sessions:revoke' },
      now: now(),
    });
    process.stdout.write(`ended ${ended.length} session(s) of user ${user.id}\n`);
    if (redisBus) {
      try {
        await redisBus.flush();
      } catch {
        process.stderr.write(
          `could not announce on Redis: running servers close their WebSockets at their next heartbeat (within ${config.wsHeartbeatMs} ms); HTTP refuses the sessions now\n`,
        );
        return 1;
      }
    }
    process.stdout.write(
      redis
        ? 'announced on Redis: every instance closes their WebSockets now\n'
        : `no REDIS_URL: a running server closes their WebSockets at its next heartbeat (within ${config.wsHeartbeatMs} ms); HTTP refuses them now\n`,
    );
    return 0;
  } finally {
    await bus.close();
    // QUIT is answered after the PUBLISH before it, so the announcement has left when this resolves.
    await redis?.quit().catch(() => redis.disconnect());
    await database.destroy();
  }
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
}

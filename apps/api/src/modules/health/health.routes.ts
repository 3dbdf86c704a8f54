import { ErrorBody, type HealthChecks, HealthStatus } from '@parley/contract';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { type Kysely, sql } from 'kysely';
import type { DB } from '../../db/schema.js';
import { UNAVAILABLE_RETRY_AFTER_SECONDS } from '../../db/unavailable.js';
import { AppError } from '../../errors.js';

/** The readiness probe gives up quickly so a caller sees "not ready", not a hung request. */
const READY_TIMEOUT_MS = 2_000;

export interface HealthOptions {
  /** The readiness probe's database. */
  db: Kysely<DB>;
  /** The shared Redis, when this deployment has one (REDIS_URL). */
  redis?: { ping(): Promise<unknown> } | undefined;
}

/** Resolves true when `check` succeeds within READY_TIMEOUT_MS; logs why not otherwise. */
async function within(check: () => Promise<unknown>, onFailure: (error: unknown) => void): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('readiness check timed out')), READY_TIMEOUT_MS);
  });
  try {
    await Promise.race([check(), timeout]);
    return true;
  } catch (error) {
    onFailure(error);
    return false;
  } finally {
    clearTimeout(timer);
  }
}

const NOT_REACHABLE = {
  database: 'Database is not reachable',
  redis: 'Redis is not reachable',
  both: 'Database and Redis are not reachable',
} as const;

/**
 * `live`: this process answers (the load balancer's target health, docs/adr/0012). `ready`: its database
 * and Redis answer too (the boot signal of a deploy, and for people); neither takes an instance out.
 */
export const healthRoutes: FastifyPluginAsyncZod<HealthOptions> = async (app, options) => {
  app.get(
    '/health/live',
    {
      schema: {
        tags: ['health'],
        summary: 'The process is up',
        response: { 200: HealthStatus },
      },
    },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/health/ready',
    {
      schema: {
        tags: ['health'],
        summary: 'The database and Redis (when configured) answer',
        response: { 200: HealthStatus, 503: ErrorBody },
      },
    },
    async (request) => {
      const { db, redis } = options;
      const [database, redisUp] = await Promise.all([
        within(
          () => sql`select 1`.execute(db),
          (error) => request.log.warn({ err: error }, 'database not ready'),
        ),
        redis
          ? within(
              () => redis.ping(),
              (error) => request.log.warn({ err: error }, 'redis not ready'),
            )
          : Promise.resolve(undefined),
      ]);
      const checks: HealthChecks = {
        database: database ? 'ok' : 'unreachable',
        redis: redisUp === undefined ? 'not_configured' : redisUp ? 'ok' : 'unreachable',
      };
      if (database && redisUp !== false) return { status: 'ok' as const, checks };
      const message = !database
        ? redisUp === false
          ? NOT_REACHABLE.both
          : NOT_REACHABLE.database
        : NOT_REACHABLE.redis;
      throw new AppError(
        'service_unavailable',
        message,
        { checks },
        { 'retry-after': String(UNAVAILABLE_RETRY_AFTER_SECONDS) },
      );
    },
  );
};

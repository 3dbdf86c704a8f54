import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import fp from 'fastify-plugin';
import type { Redis } from 'ioredis';
import { AppError } from '../errors.js';

/** One limit: at most `max` requests per `windowMs` for each key. */
export interface LimitRule {
  /** Names the counter; two rules never share counts. */
  name: string;
  max: number;
  windowMs: number;
  /** The thing being limited (IP, account+IP, email, user). Undefined skips the rule for this request. */
  key: (request: FastifyRequest) => string | undefined;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** A preHandler enforcing every given rule; the first exceeded one answers 429 with Retry-After. */
    limit(...rules: LimitRule[]): preHandlerAsyncHookHandler;
  }
}

/**
 * Rate limits on @fastify/rate-limit's stores: in memory by default, in Redis (shared by every instance)
 * when a client is given. A Redis outage lets requests through rather than locking everyone out.
 */
export const rateLimitPlugin = fp(
  async (app: FastifyInstance, options: { redis: Redis | undefined }) => {
    await app.register(rateLimit, {
      global: false,
      nameSpace: 'parley:rl:',
      skipOnError: true,
      ...(options.redis ? { redis: options.redis } : {}),
    });

    // One counter per rule name, shared by every route that uses the rule (in memory as in Redis).
    const checks = new Map<string, ReturnType<FastifyInstance['createRateLimit']>>();
    const checkFor = (rule: LimitRule) => {
      let check = checks.get(rule.name);
      if (!check) {
        check = app.createRateLimit({
          max: rule.max,
          timeWindow: rule.windowMs,
          keyGenerator: (request: FastifyRequest) => `${rule.name}:${rule.key(request) ?? ''}`,
        });
        checks.set(rule.name, check);
      }
      return check;
    };

    app.decorate('limit', (...rules: LimitRule[]) => {
      const limiters = rules.map((rule) => ({ rule, check: checkFor(rule) }));
      return async (request, reply) => {
        for (const { rule, check } of limiters) {
          if (rule.key(request) === undefined) continue;
          const result = await check(request);
          if (!result.isAllowed && result.isExceeded) {
            const retryAfter = String(Math.max(1, result.ttlInSeconds));
            reply.header('retry-after', retryAfter);
            throw new AppError('rate_limited', `Too many requests; try again in ${retryAfter} s`, undefined, {
              'retry-after': retryAfter,
            });
          }
        }
      };
    });
  },
  { name: 'parley-rate-limit' },
);

import type { FastifyInstance, preHandlerAsyncHookHandler } from 'fastify';
import fp from 'fastify-plugin';
import { rateLimited } from '../errors.js';
import type { LimitRule } from '../http/limits.js';
import type { CheckLimit } from '../platform/limits/limiter.js';

/**
 * Rate limits on the platform's limiter (in memory by default, in Redis, shared by every instance, when
 * REDIS_URL is set), as declared in http/limits.ts. Rules run in the preHandler phase, after
 * validation, so a 400 costs nothing.
 */
export const rateLimitPlugin = fp(
  async (app: FastifyInstance, options: { check: CheckLimit }) => {
    const { check } = options;
    app.decorate('limit', (...rules: LimitRule[]): preHandlerAsyncHookHandler => {
      return async (request) => {
        for (const rule of rules) {
          const key = rule.key(request);
          if (key === undefined) continue;
          const decision = await check(rule.rate, key);
          if (!decision.allowed) throw rateLimited(decision.retryAfter);
        }
      };
    });
  },
  { name: 'parley-rate-limit' },
);

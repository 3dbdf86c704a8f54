import type { FastifyInstance, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import fp from 'fastify-plugin';
import type { RateName } from '../config.js';
import { rateLimited } from '../errors.js';
import type { LimitRule } from '../http/limits.js';
import type { CheckLimit, RefundLimit } from '../platform/limits/limiter.js';

interface Refundable {
  rate: RateName;
  key: string;
  /** performance.now() when the hit was answered. */
  at: number;
}

/**
 * Rate limits on the platform's limiter (in memory by default, in Redis, shared by every instance, when
 * REDIS_URL is set), as declared in http/limits.ts. Rules run in the preHandler phase, after
 * validation, so a 400 costs nothing. A rule with `refundOnSuccess` gives its hit back before a 2xx
 * answer is sent, so only failures count and the next request already sees the refund.
 */
export const rateLimitPlugin = fp(
  async (app: FastifyInstance, options: { check: CheckLimit; refund: RefundLimit }) => {
    const { check, refund } = options;
    const refundable = new WeakMap<FastifyRequest, Refundable[]>();

    app.decorate('limit', (...rules: LimitRule[]): preHandlerAsyncHookHandler => {
      return async (request) => {
        for (const rule of rules) {
          const key = rule.key(request);
          if (key === undefined) continue;
          const decision = await check(rule.rate, key);
          if (!decision.allowed) throw rateLimited(decision.retryAfter);
          if (rule.refundOnSuccess) {
            const hits = refundable.get(request) ?? [];
            hits.push({ rate: rule.rate, key, at: performance.now() });
            refundable.set(request, hits);
          }
        }
      };
    });

    app.addHook('onSend', async (request, reply) => {
      const hits = refundable.get(request);
      if (!hits) return;
      refundable.delete(request);
      if (reply.statusCode < 200 || reply.statusCode >= 300) return;
      await Promise.all(hits.map((hit) => refund(hit.rate, hit.key, performance.now() - hit.at)));
    });
  },
  { name: 'parley-rate-limit' },
);

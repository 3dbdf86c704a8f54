import type { FastifyInstance, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import fp from 'fastify-plugin';
import type { RateLimits, RateName } from '../config.js';
import { rateLimited } from '../errors.js';
import { addressKey } from '../platform/limits/address-key.js';
import type { LimitDecision, Limiter } from '../platform/limits/limiter.js';
import type { LimitMetrics } from '../platform/metrics/metrics.js';

/** One limit on a route: the configured rate it spends, and whose allowance it spends. */
export interface LimitRule {
  /**
   * The `LIMIT_*` rate (config `limits.rates`) and the counter's name: every rule, route and WebSocket
   * frame spending the same rate for the same key shares one count.
   */
  rate: RateName;
  /** Whose allowance: a user id, an address key, an email. Undefined skips the rule for this request. */
  key: (request: FastifyRequest) => string | undefined;
}

/** The signed-in user's allowance (routes behind `requireAuth`). */
export const perUser = (request: FastifyRequest): string | undefined => request.auth?.userId;
/** The client address's allowance; IPv6 clients share their /64. */
export const perAddress = (request: FastifyRequest): string => addressKey(request.ip);

declare module 'fastify' {
  interface FastifyInstance {
    /** A preHandler enforcing every given rule; the first exceeded one answers 429 with Retry-After. */
    limit(...rules: LimitRule[]): preHandlerAsyncHookHandler;
    /** Counts one hit of `rate` for `key` outside HTTP (WebSocket frames); same counters as `limit`. */
    checkLimit(rate: RateName, key: string): Promise<LimitDecision>;
    /** The limiter itself, for concurrency caps (open WebSockets). */
    limiter: Limiter;
  }
}

/**
 * Rate limits on the platform's limiter: in memory by default, in Redis (shared by every instance) when
 * REDIS_URL is set. Rules run in the preHandler phase, after validation, so a 400 costs nothing.
 */
export const rateLimitPlugin = fp(
  async (app: FastifyInstance, options: { limiter: Limiter; rates: RateLimits; metrics?: LimitMetrics }) => {
    const { limiter, rates, metrics } = options;
    const checkLimit = async (rate: RateName, key: string) => {
      const decision = await limiter.hit(`${rate}:${key}`, rates[rate]);
      if (!decision.allowed) metrics?.rateLimited(rate);
      return decision;
    };
    app.decorate('limiter', limiter);
    app.decorate('checkLimit', checkLimit);
    app.decorate('limit', (...rules: LimitRule[]): preHandlerAsyncHookHandler => {
      return async (request) => {
        for (const rule of rules) {
          const key = rule.key(request);
          if (key === undefined) continue;
          const decision = await checkLimit(rule.rate, key);
          if (!decision.allowed) throw rateLimited(decision.retryAfter);
        }
      };
    });
  },
  { name: 'parley-rate-limit' },
);

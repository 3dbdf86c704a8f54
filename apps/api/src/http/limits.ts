import type { FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import type { RateName } from '../config.js';
import { addressKey } from '../platform/limits/address-key.js';

/**
 * The rate-limit plugin's declared interface (plugins/rate-limit.plugin.ts implements it). Route files
 * and their `*.limits.ts` tables import this file, never the plugin.
 */

/** One limit on a route: the configured rate it spends, and whose allowance it spends. */
export interface LimitRule {
  /**
   * The `LIMIT_*` rate (config `limits.rates`) and the counter's name: every rule, route and WebSocket
   * frame spending the same rate for the same key shares one count.
   */
  rate: RateName;
  /** Whose allowance: a user id, an address key, an email. Undefined skips the rule for this request. */
  key: (request: FastifyRequest) => string | undefined;
  /**
   * Only failures count: a request answered with a 2xx gives its hit back (sign-in, so that signing in
   * often never locks the user out). The hit is still counted up front, so attempts in flight at once
   * cannot exceed the limit.
   */
  refundOnSuccess?: boolean;
}

/** The signed-in user's allowance (routes behind `requireAuth`). */
export const perUser = (request: FastifyRequest): string | undefined => request.auth?.userId;
/** The client address's allowance; IPv6 clients share their /64. */
export const perAddress = (request: FastifyRequest): string => addressKey(request.ip);

declare module 'fastify' {
  interface FastifyInstance {
    /** A preHandler enforcing every given rule; the first exceeded one answers 429 with Retry-After. */
    limit(...rules: LimitRule[]): preHandlerAsyncHookHandler;
  }
}

import type { FastifyRequest } from 'fastify';
import type { LimitRule } from '../../plugins/rate-limit.plugin.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

const byIp = (request: FastifyRequest) => request.ip;
const bodyEmail = (request: FastifyRequest) => {
  const body = request.body as { email?: unknown } | undefined;
  return typeof body?.email === 'string' ? body.email : undefined;
};

/** The auth rate limits of the security model; every instance shares them through Redis when configured. */
export const AUTH_LIMITS = {
  loginPerAccountAndIp: {
    name: 'login-account-ip',
    max: 10,
    windowMs: 15 * MINUTE,
    key: (request) => {
      const email = bodyEmail(request);
      return email === undefined ? undefined : `${email}|${request.ip}`;
    },
  },
  loginPerIp: { name: 'login-ip', max: 100, windowMs: 15 * MINUTE, key: byIp },
  registerPerIp: { name: 'register-ip', max: 10, windowMs: HOUR, key: byIp },
  emailPerAddress: { name: 'email-address', max: 5, windowMs: HOUR, key: bodyEmail },
  emailPerIp: { name: 'email-ip', max: 20, windowMs: HOUR, key: byIp },
  tokenPerIp: { name: 'token-ip', max: 20, windowMs: HOUR, key: byIp },
  lookupPerUser: { name: 'lookup-user', max: 60, windowMs: MINUTE, key: (request) => request.auth?.userId },
  /** Change password and delete account re-check the password: a stolen session must not brute-force it. */
  passwordCheckPerUser: {
    name: 'password-check-user',
    max: 10,
    windowMs: 15 * MINUTE,
    key: (request) => request.auth?.userId,
  },
} satisfies Record<string, LimitRule>;

import { randomBytes } from 'node:crypto';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';
import type { SmtpCapture } from '../../../../scripts/services/smtp-capture.js';

const randomClientIp = () => `10.${randomBytes(3).join('.')}`;

export const uniqueEmail = (label = 'user') => `${label}.${randomBytes(5).toString('hex')}@example.com`;
export const GOOD_PASSWORD = 'violet-harbor-lantern-42';

/** A clock tests can move forward; the app and its token service both read it. */
export class TestClock {
  #offsetMs = 0;
  readonly now = () => new Date(Date.now() + this.#offsetMs);
  advance(ms: number): void {
    this.#offsetMs += ms;
  }
}

export interface Session {
  token: string;
  cookie: string;
}

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** A browser-like caller: same-origin Origin header on writes, optional session cookie or bearer token. */
export function call(
  app: FastifyInstance,
  method: Method,
  url: string,
  options: {
    body?: unknown;
    session?: Session;
    via?: 'cookie' | 'bearer';
    origin?: string | null;
    headers?: Record<string, string>;
  } = {},
): Promise<LightMyRequestResponse> {
  // A different client address per call unless the test names one, so per-IP limits stay out of the way.
  const headers: Record<string, string> = { 'x-forwarded-for': randomClientIp(), ...options.headers };
  const origin = options.origin === undefined ? app.config.publicUrl.origin : options.origin;
  if (method !== 'GET' && origin !== null) headers.origin = origin;
  if (options.session) {
    if (options.via === 'bearer') headers.authorization = `Bearer ${options.session.token}`;
    else headers.cookie = options.session.cookie;
  }
  return app.inject({
    method,
    url,
    headers,
    ...(options.body === undefined ? {} : { payload: options.body as Record<string, unknown> }),
  });
}

/** The token in a link of an email (`…?token=…`). */
export function tokenFromEmail(
  text: string,
  page: 'verify-email' | 'reset-password' | 'confirm-email-change',
): string {
  const match = new RegExp(`/${page}\\?token=([^\\s"&<]+)`).exec(text);
  if (!match?.[1]) throw new Error(`no ${page} link in email:\n${text}`);
  return decodeURIComponent(match[1]);
}

export function sessionFrom(response: LightMyRequestResponse): Session {
  expect(response.statusCode, response.body).toBe(200);
  const cookie = response.cookies.find((c) => c.name.endsWith('parley_session'));
  if (!cookie) throw new Error('login set no session cookie');
  return { token: response.json().token, cookie: `${cookie.name}=${cookie.value}` };
}

/**
 * The session after POST /api/auth/reauthenticate answered: it replaces the session's token (a new
 * cookie and X-Parley-Token), and the token presented before stops working.
 */
export function reauthenticatedSession(response: LightMyRequestResponse): Session {
  expect(response.statusCode, response.body).toBe(204);
  const cookie = response.cookies.find((c) => c.name.endsWith('parley_session'));
  const token = response.headers['x-parley-token'];
  if (!cookie || typeof token !== 'string') throw new Error('re-authentication issued no new token');
  return { token, cookie: `${cookie.name}=${cookie.value}` };
}

export async function login(app: FastifyInstance, email: string, password = GOOD_PASSWORD): Promise<Session> {
  return sessionFrom(await call(app, 'POST', '/api/auth/login', { body: { email, password } }));
}

/** Registers through the API and confirms through the link that arrived by SMTP; returns a signed-in session. */
export async function signUp(
  app: FastifyInstance,
  smtp: SmtpCapture,
  options: { email?: string; password?: string; displayName?: string } = {},
): Promise<{ email: string; password: string; session: Session; userId: string }> {
  const email = options.email ?? uniqueEmail();
  const password = options.password ?? GOOD_PASSWORD;
  const registered = await call(app, 'POST', '/api/auth/register', {
    body: { email, password, displayName: options.displayName ?? 'Test User' },
  });
  expect(registered.statusCode, registered.body).toBe(202);
  const mail = await smtp.waitFor(email, /Confirm your email/);
  const verified = await call(app, 'POST', '/api/auth/verify-email', {
    body: { token: tokenFromEmail(mail.text, 'verify-email'), password },
  });
  expect(verified.statusCode, verified.body).toBe(200);
  const session = await login(app, email, password);
  return { email, password, session, userId: verified.json().user.id };
}

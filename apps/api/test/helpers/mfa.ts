import type { FastifyInstance } from 'fastify';
import { generate } from 'otplib';
import { expect } from 'vitest';
import { call, type Session, type TestClock } from './auth.js';

/** A code of the authenticator app at the app's clock, `steps` 30-second steps from now. */
export function totpAt(secret: string, clock: TestClock, steps = 0): Promise<string> {
  return generate({ secret, epoch: Math.floor(clock.now().getTime() / 1000) + steps * 30 });
}

/**
 * The app's next code: the clock moves one step on first, so a code is never of a step already used
 * (the server accepts each step once).
 */
export async function nextTotp(secret: string, clock: TestClock): Promise<string> {
  clock.advance(30_000);
  return totpAt(secret, clock);
}

/** Sets up an authenticator for a signed-in user; returns its secret and the first recovery codes. */
export async function enrolTotp(
  app: FastifyInstance,
  session: Session,
  clock: TestClock,
): Promise<{ secret: string; recoveryCodes: string[] }> {
  const started = await call(app, 'POST', '/api/me/mfa/totp', { session });
  expect(started.statusCode, started.body).toBe(200);
  const { secret } = started.json() as { secret: string };
  const confirmed = await call(app, 'POST', '/api/me/mfa/totp/confirm', {
    session,
    body: { code: await nextTotp(secret, clock) },
  });
  expect(confirmed.statusCode, confirmed.body).toBe(200);
  return { secret, recoveryCodes: confirmed.json().recoveryCodes };
}

/** The password step of an account with a second factor: its challenge (asserting no cookie was set). */
export async function passwordStep(app: FastifyInstance, email: string, password: string): Promise<string> {
  const response = await call(app, 'POST', '/api/auth/login', { body: { email, password } });
  expect(response.statusCode, response.body).toBe(200);
  expect(response.json()).toMatchObject({ mfaRequired: true });
  expect(response.cookies).toEqual([]);
  return response.json().challenge;
}

/** The second step; the raw answer. */
export function secondStep(app: FastifyInstance, challenge: string, code: string) {
  return call(app, 'POST', '/api/auth/login/mfa', { body: { challenge, code } });
}

import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SmtpCapture, startSmtpCapture } from '../../../../scripts/services/smtp-capture.js';
import { buildTestApp } from '../helpers/app.js';
import { call, login, signUp } from '../helpers/auth.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';

describe('revocation across two instances on one MariaDB', () => {
  let smtp: SmtpCapture;
  let testDb: TestDatabase;
  let a: FastifyInstance;
  let b: FastifyInstance;

  beforeAll(async () => {
    smtp = await startSmtpCapture();
    testDb = await createTestDatabase('mariadb', { env: { SMTP_URL: smtp.url } });
    // Same database and keyring file, separate processes' worth of state: as two EC2 instances.
    a = await buildTestApp(testDb);
    b = await buildTestApp(testDb);
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await testDb?.cleanup();
    await smtp?.stop();
  });

  it.each([
    [
      'logout',
      async (app: FastifyInstance, s: Awaited<ReturnType<typeof signUp>>) =>
        call(app, 'POST', '/api/auth/logout', { session: s.session }),
    ],
    [
      'logout-all',
      async (app: FastifyInstance, s: Awaited<ReturnType<typeof signUp>>) =>
        call(app, 'POST', '/api/auth/logout-all', { session: s.session }),
    ],
    [
      'session revoke',
      async (app: FastifyInstance, s: Awaited<ReturnType<typeof signUp>>) => {
        const list = await call(app, 'GET', '/api/sessions', { session: s.session });
        const current = list.json().sessions.find((x: { current: boolean }) => x.current).id;
        return call(app, 'DELETE', `/api/sessions/${current}`, { session: s.session });
      },
    ],
    [
      'password change',
      async (app: FastifyInstance, s: Awaited<ReturnType<typeof signUp>>) => {
        const other = await login(app, s.email, s.password);
        return call(app, 'POST', '/api/auth/change-password', {
          session: other,
          body: { currentPassword: s.password, newPassword: 'rotated-secret-123' },
        });
      },
    ],
    [
      'account deletion',
      async (app: FastifyInstance, s: Awaited<ReturnType<typeof signUp>>) =>
        call(app, 'DELETE', '/api/me', { session: s.session, body: { password: s.password } }),
    ],
  ])('%s on instance A ends the session on instance B at its next request', async (_name, revoke) => {
    const user = await signUp(a, smtp);
    expect((await call(b, 'GET', '/api/me', { session: user.session })).statusCode).toBe(200);
    const response = await revoke(a, user);
    expect(response.statusCode).toBe(204);
    expect((await call(b, 'GET', '/api/me', { session: user.session })).statusCode).toBe(401);
    expect((await call(b, 'GET', '/api/me', { session: user.session, via: 'bearer' })).statusCode).toBe(401);
  });
});

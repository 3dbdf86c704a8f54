import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SmtpCapture, startSmtpCapture } from '../../../../scripts/services/smtp-capture.js';
import { buildTestApp } from '../helpers/app.js';
import { call, signUp, uniqueEmail } from '../helpers/auth.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
};

describe('login timing does not reveal whether an account exists', () => {
  let smtp: SmtpCapture;
  let testDb: TestDatabase;
  let app: FastifyInstance;

  beforeAll(async () => {
    smtp = await startSmtpCapture();
    testDb = await createTestDatabase('sqlite', { env: { SMTP_URL: smtp.url, TRUST_PROXY: 'true' } });
    app = await buildTestApp(testDb);
  });
  afterAll(async () => {
    await app?.close();
    await testDb?.cleanup();
    await smtp?.stop();
  });

  it('takes about as long for an unknown email as for a wrong password (ratio of medians, same run)', async () => {
    const user = await signUp(app, smtp);
    const attempt = async (email: string, i: number) => {
      const started = process.hrtime.bigint();
      const response = await call(app, 'POST', '/api/auth/login', {
        body: { email, password: `wrong-password-${i}` },
        headers: { 'x-forwarded-for': `10.9.${i >> 8}.${i & 255}` },
      });
      expect(response.statusCode).toBe(401);
      return Number(process.hrtime.bigint() - started);
    };
    const known: number[] = [];
    const unknown: number[] = [];
    // Interleaved, so machine noise hits both paths alike.
    for (let i = 0; i < 24; i += 1) {
      known.push(await attempt(user.email, i));
      unknown.push(await attempt(uniqueEmail('ghost'), 1000 + i));
    }
    const ratio = median(unknown) / median(known);
    // Without the dummy hash the unknown path skips argon2 and is many times faster (ratio < 0.1).
    expect(ratio).toBeGreaterThan(0.5);
    expect(ratio).toBeLessThan(2);
  });
});

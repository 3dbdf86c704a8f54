import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ErrorBody } from '@parley/contract';
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SmtpCapture, startSmtpCapture } from '../../../../scripts/services/smtp-capture.js';
import { tokenScope } from '../../src/platform/platform.js';
import { createLocalKeyringSource } from '../../src/platform/secrets/local-keyring.source.js';
import { createTokenService } from '../../src/platform/tokens/token.service.js';
import type { TokenPurpose } from '../../src/platform/tokens/token.types.js';
import { buildTestApp } from '../helpers/app.js';
import { call, signUp } from '../helpers/auth.js';
import { countRows, createTestDatabase, type TestDatabase } from '../helpers/database.js';

const ROUTES: { method: 'POST' | 'PATCH' | 'DELETE' | 'GET'; url: string; auth: boolean }[] = [
  { method: 'POST', url: '/api/auth/register', auth: false },
  { method: 'POST', url: '/api/auth/verify-email', auth: false },
  { method: 'POST', url: '/api/auth/resend-verification', auth: false },
  { method: 'POST', url: '/api/auth/login', auth: false },
  { method: 'POST', url: '/api/auth/logout', auth: true },
  { method: 'POST', url: '/api/auth/logout-all', auth: true },
  { method: 'POST', url: '/api/auth/forgot-password', auth: false },
  { method: 'POST', url: '/api/auth/reset-password', auth: false },
  { method: 'POST', url: '/api/auth/change-password', auth: true },
  { method: 'PATCH', url: '/api/me', auth: true },
  { method: 'DELETE', url: '/api/me', auth: true },
  { method: 'DELETE', url: '/api/sessions/x', auth: true },
];

/** Values of every JSON type, deep and shallow, plus the field names the routes use. */
const field = fc.constantFrom(
  'email',
  'password',
  'displayName',
  'token',
  'currentPassword',
  'newPassword',
  '__proto__',
  'constructor',
);
const junkValue = fc.oneof(
  fc.anything({ maxDepth: 2 }),
  fc.string({ maxLength: 300 }),
  fc.string({ unit: 'grapheme', maxLength: 50 }),
  fc.constant('x'.repeat(5000)),
  fc.constant('a@b'),
  fc.constant(''),
);
const junkBody = fc.oneof(
  fc.dictionary(field, junkValue, { maxKeys: 5 }),
  fc.dictionary(fc.string({ maxLength: 10 }), junkValue, { maxKeys: 4 }),
  fc.anything({ maxDepth: 2 }),
);

describe('bad input on every auth route', () => {
  let smtp: SmtpCapture;
  let testDb: TestDatabase;
  let app: FastifyInstance;
  let hostileTokens: string[];

  beforeAll(async () => {
    smtp = await startSmtpCapture();
    testDb = await createTestDatabase('sqlite', { env: { SMTP_URL: smtp.url, TRUST_PROXY: 'true' } });
    app = await buildTestApp(testDb);
    const user = await signUp(app, smtp);
    const real = user.session.token;

    // Tokens signed with keys the server does not have, in the past and future, for the wrong purpose.
    const otherKeys = createLocalKeyringSource({
      file: path.join(mkdtempSync(path.join(tmpdir(), 'parley-keys-')), 'secrets.json'),
    });
    const forge = (purpose: TokenPurpose, offsetMs = 0, ttlSeconds = 3600) =>
      createTokenService({
        source: otherKeys,
        ...tokenScope(testDb.config),
        now: () => new Date(Date.now() + offsetMs),
      })
        .issue(purpose, { subject: user.userId, jti: 'j', ttlSeconds, claims: { sid: 'x' } })
        .then((t) => t.token);
    const serverKeys = createLocalKeyringSource({ file: testDb.config.secrets.file });
    const sign = (
      purpose: TokenPurpose,
      offsetMs: number,
      ttlSeconds: number,
      scope = tokenScope(testDb.config),
    ) =>
      createTokenService({ source: serverKeys, ...scope, now: () => new Date(Date.now() + offsetMs) })
        .issue(purpose, { subject: user.userId, jti: 'j2', ttlSeconds, claims: { sid: 'x' } })
        .then((t) => t.token);
    hostileTokens = [
      real.slice(0, real.length - 10),
      `${real}AAAA`,
      real.replace('v4.public.', 'v4.local.'),
      real.replace('v4.public.', 'v2.public.'),
      real.replace('v4.public.', 'v3.public.'),
      `v4.public.${'A'.repeat(20_000)}`,
      await forge('active_session'),
      await forge('password_reset_session'),
      await sign('active_session', -3 * 24 * 3600 * 1000, 3600),
      await sign('active_session', 2 * 3600 * 1000, 3600),
      await sign('password_reset_session', 0, 600),
      await sign('active_session', 0, 600, {
        issuer: 'https://evil.example',
        audience: 'https://evil.example/api',
      }),
      'v4.public.eyJ9.eyJ9',
      '',
    ];
    otherKeys.close();
    serverKeys.close();
  });
  afterAll(async () => {
    await app?.close();
    await testDb?.cleanup();
    await smtp?.stop();
  });

  async function snapshot() {
    const db = testDb.database.db;
    const count = (table: 'users' | 'sessions' | 'email_tokens' | 'auth_events') => countRows(db, table);
    const users = await db
      .selectFrom('users')
      .select(['id', 'display_name', 'password_hash', 'email_verified_at', 'deleted_at'])
      .orderBy('id')
      .execute();
    return {
      users,
      sessions: await count('sessions'),
      tokens: await count('email_tokens'),
      events: await count('auth_events'),
    };
  }

  function expectClientError(response: { statusCode: number; body: string }) {
    expect(response.statusCode, response.body).toBeGreaterThanOrEqual(400);
    expect(response.statusCode, response.body).toBeLessThan(500);
    expect(ErrorBody.safeParse(JSON.parse(response.body)).success, response.body).toBe(true);
    expect(response.body).not.toMatch(/\bat \S+:\d+:\d+/);
  }

  it('random and malformed bodies get a 4xx error body and change nothing', async () => {
    const before = await snapshot();
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...ROUTES),
        junkBody,
        fc.integer({ min: 0, max: 255 }),
        async (route, body, ip) => {
          const response = await app.inject({
            method: route.method,
            url: route.url,
            headers: {
              origin: app.config.publicUrl.origin,
              'x-forwarded-for': `10.77.0.${ip}`,
              'content-type': 'application/json',
            },
            payload: JSON.stringify(body) ?? 'null',
          });
          expectClientError(response);
        },
      ),
      { numRuns: 300 },
    );
    expect(await snapshot()).toEqual(before);
  });

  it('raw bytes, wrong content types and broken JSON get a 4xx error body', async () => {
    const before = await snapshot();
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...ROUTES),
        fc.uint8Array({ maxLength: 400 }),
        fc.constantFrom(
          'application/json',
          'text/plain',
          'application/x-www-form-urlencoded',
          'application/json; charset=latin1',
          'multipart/form-data',
        ),
        async (route, bytes, contentType) => {
          const response = await app.inject({
            method: route.method,
            url: route.url,
            headers: { origin: app.config.publicUrl.origin, 'content-type': contentType },
            payload: Buffer.from(bytes),
          });
          expectClientError(response);
        },
      ),
      { numRuns: 200 },
    );
    expect(await snapshot()).toEqual(before);
  });

  it('hostile tokens are refused everywhere a token is accepted', async () => {
    const before = await snapshot();
    for (const token of hostileTokens) {
      for (const url of ['/api/auth/verify-email', '/api/auth/reset-password']) {
        const response = await call(app, 'POST', url, { body: { token, password: 'a-new-password-1' } });
        expectClientError(response);
      }
      for (const route of ROUTES.filter((r) => r.auth)) {
        const response = await app.inject({
          method: route.method,
          url: route.url,
          headers: { authorization: `Bearer ${token}` },
          payload: {},
        });
        expect(response.statusCode, token.slice(0, 40)).toBe(401);
        expectClientError(response);
      }
    }
    expect(await snapshot()).toEqual({ ...before, tokens: before.tokens });
  });
});

import { randomUUID } from 'node:crypto';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SmtpCapture, startSmtpCapture } from '../../../../scripts/services/smtp-capture.js';
import { buildTestApp } from '../helpers/app.js';
import { call, GOOD_PASSWORD, login, type Session, signUp } from '../helpers/auth.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { createGroup, send } from '../helpers/messaging.js';
import { connectWs } from '../helpers/ws-client.js';

const ROLES = [
  'member',
  'nonMember',
  'removedMember',
  'deletedAccount',
  'revokedSession',
  'anonymous',
] as const;
type Role = (typeof ROLES)[number];
type Expect = Record<Role, number>;

interface Fixture {
  conversationId: string;
  /** A message by the owner (not by any role). */
  ownerMessageId: string;
  ownerId: string;
  /** An attachment the owner sent in the conversation. */
  attachmentId: string;
  otherUserId: string;
  otherEmail: string;
}

interface Row {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** The route as registered, to prove every route has a row. */
  route: string;
  url: (f: Fixture) => string;
  body?: (f: Fixture) => unknown;
  /** Raw upload bytes instead of a JSON body. */
  raw?: { contentType: string; bytes: Buffer };
  expect: Expect;
}

const PNG = Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]),
  Buffer.from('IHDR'),
  Buffer.from([0, 0, 0, 1, 0, 0, 0, 1, 8, 6, 0, 0, 0, 0x1f, 0x15, 0xc4, 0x89]),
]);

const signedInOnly = (ok: number): Expect => ({
  member: ok,
  nonMember: ok,
  removedMember: ok,
  deletedAccount: 401,
  revokedSession: 401,
  anonymous: 401,
});
const membersOnly = (ok: number, others = 404): Expect => ({
  member: ok,
  nonMember: others,
  removedMember: others,
  deletedAccount: 401,
  revokedSession: 401,
  anonymous: 401,
});

/**
 * Every route with the status each kind of caller gets. A route registered in the app without a row
 * here fails the coverage test below.
 */
const MATRIX: Row[] = [
  { method: 'GET', route: '/api/conversations', url: () => '/api/conversations', expect: signedInOnly(200) },
  {
    method: 'POST',
    route: '/api/conversations',
    url: () => '/api/conversations',
    body: (f) => ({ type: 'group', title: 'Mine', memberIds: [f.otherUserId] }),
    expect: signedInOnly(201),
  },
  {
    method: 'GET',
    route: '/api/conversations/:id',
    url: (f) => `/api/conversations/${f.conversationId}`,
    expect: membersOnly(200),
  },
  {
    method: 'POST',
    route: '/api/conversations/:id/members',
    url: (f) => `/api/conversations/${f.conversationId}/members`,
    body: (f) => ({ userId: f.otherUserId }),
    expect: membersOnly(403),
  },
  {
    method: 'DELETE',
    route: '/api/conversations/:id/members/:userId',
    url: (f) => `/api/conversations/${f.conversationId}/members/${f.ownerId}`,
    expect: membersOnly(403),
  },
  {
    method: 'PATCH',
    route: '/api/conversations/:id',
    url: (f) => `/api/conversations/${f.conversationId}`,
    body: () => ({ title: 'Renamed by a member' }),
    // A plain member may not rename (owner and admins only: groups-and-settings.test.ts).
    expect: membersOnly(403),
  },
  {
    method: 'PUT',
    route: '/api/conversations/:id/members/:userId/role',
    url: (f) => `/api/conversations/${f.conversationId}/members/${f.ownerId}/role`,
    body: () => ({ role: 'member' }),
    // Only the owner changes roles.
    expect: membersOnly(403),
  },
  {
    method: 'PATCH',
    route: '/api/conversations/:id/settings',
    url: (f) => `/api/conversations/${f.conversationId}/settings`,
    body: () => ({ muted: true, archived: true }),
    // Anyone in it, for themselves.
    expect: membersOnly(200),
  },
  {
    method: 'GET',
    route: '/api/conversations/:id/messages',
    url: (f) => `/api/conversations/${f.conversationId}/messages`,
    expect: membersOnly(200),
  },
  {
    method: 'POST',
    route: '/api/conversations/:id/messages',
    url: (f) => `/api/conversations/${f.conversationId}/messages`,
    body: () => ({ clientId: randomUUID(), body: 'matrix' }),
    expect: membersOnly(201),
  },
  {
    method: 'POST',
    route: '/api/conversations/:id/read',
    url: (f) => `/api/conversations/${f.conversationId}/read`,
    body: () => ({ seq: 1 }),
    expect: membersOnly(204),
  },
  {
    method: 'PATCH',
    route: '/api/messages/:id',
    url: (f) => `/api/messages/${f.ownerMessageId}`,
    body: () => ({ body: 'edit' }),
    expect: membersOnly(403),
  },
  {
    method: 'DELETE',
    route: '/api/messages/:id',
    url: (f) => `/api/messages/${f.ownerMessageId}`,
    expect: membersOnly(403),
  },
  {
    method: 'PUT',
    route: '/api/messages/:id/reactions/:emoji',
    url: (f) => `/api/messages/${f.ownerMessageId}/reactions/${encodeURIComponent('👍')}`,
    expect: membersOnly(204),
  },
  {
    method: 'DELETE',
    route: '/api/messages/:id/reactions/:emoji',
    url: (f) => `/api/messages/${f.ownerMessageId}/reactions/${encodeURIComponent('👍')}`,
    expect: membersOnly(204),
  },
  {
    method: 'POST',
    route: '/api/attachments',
    url: (f) => `/api/attachments?conversationId=${f.conversationId}`,
    raw: { contentType: 'image/png', bytes: PNG },
    expect: membersOnly(201),
  },
  {
    method: 'GET',
    route: '/api/attachments/:id',
    url: (f) => `/api/attachments/${f.attachmentId}`,
    expect: membersOnly(200),
  },
  { method: 'GET', route: '/api/me', url: () => '/api/me', expect: signedInOnly(200) },
  {
    method: 'PATCH',
    route: '/api/me',
    url: () => '/api/me',
    body: () => ({ displayName: 'Renamed' }),
    expect: signedInOnly(200),
  },
  {
    method: 'DELETE',
    route: '/api/me',
    url: () => '/api/me',
    body: () => ({ password: 'not-the-password' }),
    expect: signedInOnly(400),
  },
  {
    method: 'POST',
    route: '/api/me/email',
    url: () => '/api/me/email',
    body: () => ({ newEmail: 'somewhere-else@example.com', password: 'not-the-password' }),
    expect: signedInOnly(400),
  },
  {
    method: 'GET',
    route: '/api/me/security-events',
    url: () => '/api/me/security-events',
    expect: signedInOnly(200),
  },
  { method: 'GET', route: '/api/sessions', url: () => '/api/sessions', expect: signedInOnly(200) },
  {
    method: 'DELETE',
    route: '/api/sessions/:id',
    url: () => '/api/sessions/notMySession',
    expect: signedInOnly(404),
  },
  { method: 'GET', route: '/api/search', url: () => '/api/search?q=hello', expect: signedInOnly(200) },
  {
    method: 'GET',
    route: '/api/search',
    url: (f) => `/api/search?q=hello&conversationId=${f.conversationId}`,
    expect: membersOnly(200),
  },
  {
    method: 'GET',
    route: '/api/users/lookup',
    url: (f) => `/api/users/lookup?email=${encodeURIComponent(f.otherEmail)}`,
    expect: signedInOnly(200),
  },
  {
    method: 'POST',
    route: '/api/auth/change-password',
    url: () => '/api/auth/change-password',
    body: () => ({ currentPassword: 'wrong-password', newPassword: 'whatever-new-pass' }),
    expect: signedInOnly(400),
  },
  {
    method: 'POST',
    route: '/api/auth/logout-all',
    url: () => '/api/auth/logout-all',
    expect: signedInOnly(204),
  },
  { method: 'POST', route: '/api/auth/logout', url: () => '/api/auth/logout', expect: signedInOnly(204) },
  {
    method: 'POST',
    route: '/api/auth/reauthenticate',
    url: () => '/api/auth/reauthenticate',
    body: () => ({ password: 'not-the-password' }),
    expect: signedInOnly(400),
  },
  {
    method: 'GET',
    route: '/api/me/notification-settings',
    url: () => '/api/me/notification-settings',
    expect: signedInOnly(200),
  },
  {
    method: 'PATCH',
    route: '/api/me/notification-settings',
    url: () => '/api/me/notification-settings',
    body: () => ({ email: 'all' }),
    expect: signedInOnly(200),
  },
  { method: 'GET', route: '/api/me/mfa', url: () => '/api/me/mfa', expect: signedInOnly(200) },
  { method: 'POST', route: '/api/me/mfa/totp', url: () => '/api/me/mfa/totp', expect: signedInOnly(200) },
  {
    method: 'POST',
    route: '/api/me/mfa/totp/confirm',
    url: () => '/api/me/mfa/totp/confirm',
    body: () => ({ code: '123456' }),
    // Nothing was started for these callers: a conflict, once signed in.
    expect: signedInOnly(409),
  },
  { method: 'DELETE', route: '/api/me/mfa/totp', url: () => '/api/me/mfa/totp', expect: signedInOnly(404) },
  {
    method: 'POST',
    route: '/api/me/mfa/recovery-codes',
    url: () => '/api/me/mfa/recovery-codes',
    expect: signedInOnly(409),
  },
  {
    method: 'POST',
    route: '/api/me/passkeys/options',
    url: () => '/api/me/passkeys/options',
    expect: signedInOnly(200),
  },
  {
    method: 'POST',
    route: '/api/me/passkeys',
    url: () => '/api/me/passkeys',
    // A well-formed attestation over no challenge this session was given.
    body: () => ({
      name: 'Key',
      attestation: {
        id: 'abc',
        rawId: 'abc',
        type: 'public-key',
        response: { clientDataJSON: 'e30', attestationObject: 'oA' },
      },
    }),
    expect: signedInOnly(400),
  },
  {
    method: 'PATCH',
    route: '/api/me/passkeys/:id',
    url: () => '/api/me/passkeys/nosuchpasskey',
    body: () => ({ name: 'Key' }),
    expect: signedInOnly(404),
  },
  {
    method: 'DELETE',
    route: '/api/me/passkeys/:id',
    url: () => '/api/me/passkeys/nosuchpasskey',
    expect: signedInOnly(404),
  },
];

/** Public routes: no session needed; their own tests cover them. Listed so coverage stays complete. */
const PUBLIC_ROUTES = new Set([
  'GET /api/health/live',
  'GET /api/health/ready',
  'GET /api/docs',
  'POST /api/auth/register',
  'POST /api/auth/verify-email',
  'POST /api/auth/resend-verification',
  'POST /api/auth/login',
  // The challenge of the password step is its authorization (test/auth/mfa.test.ts).
  'POST /api/auth/login/mfa',
  // Passkey sign-in: the assertion over a server-issued challenge is the authorization (passkeys.test.ts).
  'POST /api/auth/passkey/options',
  'POST /api/auth/passkey',
  'POST /api/auth/forgot-password',
  'POST /api/auth/reset-password',
  'POST /api/auth/confirm-email-change',
  // The signed link of a notification email is the authority (test/notifications/notification-settings.test.ts).
  'POST /api/notifications/unsubscribe',
  'GET /api/notifications/unsubscribe',
  // The WebSocket upgrade: its frames have their own matrix below.
  'GET /api/ws',
]);

describe('authorization matrix', () => {
  let smtp: SmtpCapture;
  let testDb: TestDatabase;
  let app: FastifyInstance;
  let fixture: Fixture;
  let sessions: Record<Role, Session | undefined>;

  /** A fresh set of callers per row, so one row's logout or rename cannot affect another. */
  async function setup(): Promise<void> {
    const [owner, member, removed, outsider, doomed, revoked, other] = await Promise.all(
      ['Owner', 'Member', 'Removed', 'Outsider', 'Doomed', 'Revoked', 'Other'].map((displayName) =>
        signUp(app, smtp, { displayName }),
      ),
    );
    if (!owner || !member || !removed || !outsider || !doomed || !revoked || !other)
      throw new Error('sign-up failed');
    const group = await createGroup(app, owner.session, 'Matrix', [
      member.userId,
      removed.userId,
      doomed.userId,
      revoked.userId,
    ]);
    const message = await send(app, owner.session, group.id, 'owner says');
    const uploaded = await app.inject({
      method: 'POST',
      url: `/api/attachments?conversationId=${group.id}`,
      headers: {
        'content-type': 'image/png',
        cookie: owner.session.cookie,
        origin: app.config.publicUrl.origin,
      },
      payload: PNG,
    });
    expect(uploaded.statusCode, uploaded.body).toBe(201);
    const attachmentId = uploaded.json().id as string;
    const withFile = await call(app, 'POST', `/api/conversations/${group.id}/messages`, {
      session: owner.session,
      body: { clientId: randomUUID(), body: 'a file', attachmentIds: [attachmentId] },
    });
    expect(withFile.statusCode, withFile.body).toBe(201);
    await call(app, 'DELETE', `/api/conversations/${group.id}/members/${removed.userId}`, {
      session: owner.session,
    });
    expect(
      (await call(app, 'DELETE', '/api/me', { session: doomed.session, body: { password: GOOD_PASSWORD } }))
        .statusCode,
    ).toBe(204);
    const revokedSession = await login(app, revoked.email, revoked.password);
    await call(app, 'POST', '/api/auth/logout', { session: revokedSession });
    fixture = {
      conversationId: group.id,
      ownerMessageId: message.id,
      ownerId: owner.userId,
      attachmentId,
      otherUserId: other.userId,
      otherEmail: other.email,
    };
    sessions = {
      member: member.session,
      nonMember: outsider.session,
      removedMember: removed.session,
      deletedAccount: doomed.session,
      revokedSession,
      anonymous: undefined,
    };
  }

  beforeAll(async () => {
    smtp = await startSmtpCapture();
    testDb = await createTestDatabase('sqlite', { env: { SMTP_URL: smtp.url } });
    app = await buildTestApp(testDb);
    await app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await app?.close();
    await testDb?.cleanup();
    await smtp?.stop();
  });

  it('has a row for every registered route', () => {
    const registered = app.routeTable
      .filter((r) => r.url.startsWith('/api') && r.method !== 'HEAD' && r.method !== 'OPTIONS')
      .map((r) => `${r.method} ${r.url}`);
    const covered = new Set([...MATRIX.map((r) => `${r.method} ${r.route}`), ...PUBLIC_ROUTES]);
    expect(registered.filter((r) => !covered.has(r))).toEqual([]);
  });

  it.each(MATRIX.map((row) => [`${row.method} ${row.route}`, row] as const))('%s', async (_name, row) => {
    await setup();
    const results: Partial<Record<Role, number>> = {};
    // The member goes last: its success may change state (e.g. logout) that other roles don't need.
    for (const role of [...ROLES].reverse()) {
      const session = sessions[role];
      const response: LightMyRequestResponse = row.raw
        ? await app.inject({
            method: row.method,
            url: row.url(fixture),
            headers: {
              'content-type': row.raw.contentType,
              origin: app.config.publicUrl.origin,
              ...(session ? { cookie: session.cookie } : {}),
            },
            payload: row.raw.bytes,
          })
        : await call(app, row.method, row.url(fixture), {
            ...(session ? { session } : {}),
            ...(row.body ? { body: row.body(fixture) } : {}),
          });
      results[role] = response.statusCode;
    }
    expect(results).toEqual(row.expect);
  });

  it('applies the same rules to WebSocket frames', async () => {
    await setup();
    const outcome: Partial<Record<Role, string>> = {};
    for (const role of ROLES) {
      const session = sessions[role];
      const client = await connectWs(app, { origin: null, ...(session ? { token: session.token } : {}) });
      if (!session) {
        client.send({
          type: 'send',
          conversationId: fixture.conversationId,
          clientId: randomUUID(),
          body: 'x',
        });
        outcome[role] = `error:${(await client.next('error')).error.code}`;
        client.close();
        continue;
      }
      const first = await Promise.race([
        client.next('ready').then(() => 'ready'),
        client.closed.then((c) => `closed:${c.code}`),
      ]);
      if (first !== 'ready') {
        outcome[role] = first;
        continue;
      }
      client.send({
        type: 'send',
        conversationId: fixture.conversationId,
        clientId: randomUUID(),
        body: 'frame',
      });
      const reply = await Promise.race([
        client.next('ack').then(() => 'ack'),
        client.next('error').then((e) => `error:${e.error.code}`),
      ]);
      client.send({ type: 'typing', conversationId: fixture.conversationId });
      outcome[role] = reply;
      client.close();
    }
    expect(outcome).toEqual({
      member: 'ack',
      nonMember: 'error:not_found',
      removedMember: 'error:not_found',
      deletedAccount: 'closed:4401',
      revokedSession: 'closed:4401',
      anonymous: 'error:unauthenticated',
    });
  });
});

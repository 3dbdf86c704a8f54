import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type SmtpCapture, startSmtpCapture } from '../../../../scripts/services/smtp-capture.js';
import { sweepOrphanUploads } from '../../src/modules/attachments/orphan-sweeper.js';
import { buildTestApp, platformOf } from '../helpers/app.js';
import { call, signUp, TestClock } from '../helpers/auth.js';
import { createTestDatabase, DB_KINDS, type TestDatabase } from '../helpers/database.js';
import { createGroup } from '../helpers/messaging.js';
import { attachmentRows, storedKeys, text, upload, withConfig } from '../helpers/uploads.js';

type User = Awaited<ReturnType<typeof signUp>>;

const HOUR = 3_600_000;
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

describe.each(DB_KINDS)('upload limits on %s', (kind) => {
  let smtp: SmtpCapture;
  let testDb: TestDatabase;
  const apps: FastifyInstance[] = [];

  beforeAll(async () => {
    smtp = await startSmtpCapture();
    testDb = await createTestDatabase(kind, { env: { SMTP_URL: smtp.url } });
  });
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((app) => app.close()));
  });
  afterAll(async () => {
    await testDb?.cleanup();
    await smtp?.stop();
  });

  /** An app with these limits, two members of one group, and a clock the test moves. */
  async function setUp(change: Parameters<typeof withConfig>[1]) {
    const clock = new TestClock();
    const app = await buildTestApp(withConfig(testDb, change), { now: clock.now });
    apps.push(app);
    const [ada, bob] = (await Promise.all([signUp(app, smtp), signUp(app, smtp)])) as [User, User];
    const conversationId = (await createGroup(app, ada.session, 'Files', [bob.userId])).id;
    return { app, clock, ada, bob, conversationId };
  }

  /** What the database and the blob store hold, to prove a refusal stored nothing. */
  const stored = async () => ({
    rows: (await attachmentRows(testDb.database.db)).length,
    blobs: await storedKeys(testDb.config),
  });

  it('limits upload requests per user (LIMIT_UPLOADS) with 429 and Retry-After; others keep uploading', async () => {
    const { app, ada, bob, conversationId } = await setUp({
      rates: { uploads: { count: 3, windowMs: HOUR } },
    });
    for (let i = 0; i < 3; i++) {
      const ok = await upload(app, ada.session, conversationId, text(10));
      expect(ok.statusCode, ok.body).toBe(201);
    }
    const before = await stored();
    const limited = await upload(app, ada.session, conversationId, text(10));
    expect(limited.statusCode).toBe(429);
    expect(limited.json().error.code).toBe('rate_limited');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(3000);
    expect(Number(limited.headers['retry-after'])).toBeLessThanOrEqual(3600);
    expect(await stored()).toEqual(before);
    // Bob is not held back by Ada's uploads.
    expect((await upload(app, bob.session, conversationId, text(10))).statusCode).toBe(201);
  });

  it('limits bytes per window (LIMIT_UPLOAD_BYTES) from what is stored, across instances, until the window moves on', async () => {
    const { app, clock, ada, bob, conversationId } = await setUp({
      uploads: { bytes: { count: 3000, windowMs: HOUR } },
    });
    expect((await upload(app, ada.session, conversationId, text(1200))).statusCode).toBe(201);
    clock.advance(20 * 60_000);
    expect((await upload(app, ada.session, conversationId, text(1200))).statusCode).toBe(201);
    const before = await stored();

    // Declared too big for what is left (600 bytes): refused before reading, Retry-After until the
    // first upload leaves the window (40 minutes from now).
    const declared = await upload(app, ada.session, conversationId, text(1000));
    expect(declared.statusCode).toBe(429);
    const retryAfter = declared.json().error.details.retryAfter;
    expect(declared.json().error.code).toBe('rate_limited');
    expect(retryAfter).toBeGreaterThan(2390);
    expect(retryAfter).toBeLessThanOrEqual(2400);
    expect(declared.headers['retry-after']).toBe(String(retryAfter));
    // Without Content-Length it is cut off while streaming, and nothing is kept.
    const streamed = await upload(
      app,
      ada.session,
      conversationId,
      Readable.from([text(400), text(400), text(400)]),
    );
    expect(streamed.statusCode).toBe(429);
    expect(streamed.json().error.code).toBe('rate_limited');
    expect(await stored()).toEqual(before);

    // A second instance (nothing in its memory) counts the same bytes: they come from the database.
    const other = await buildTestApp(
      withConfig(testDb, { uploads: { bytes: { count: 3000, windowMs: HOUR } } }),
      {
        now: clock.now,
      },
    );
    apps.push(other);
    expect((await upload(other, ada.session, conversationId, text(1000))).statusCode).toBe(429);
    // What is left still fits; Bob has his own allowance.
    expect((await upload(other, ada.session, conversationId, text(600))).statusCode).toBe(201);
    expect((await upload(app, bob.session, conversationId, text(2500))).statusCode).toBe(201);

    // Once the first upload is an hour old its bytes no longer count.
    clock.advance(40 * 60_000 + 1000);
    expect((await upload(app, ada.session, conversationId, text(1000))).statusCode).toBe(201);
  });

  it('refuses one upload bigger than the whole window allowance as too large (waiting would not help)', async () => {
    const { app, ada, conversationId } = await setUp({ uploads: { bytes: { count: 1000, windowMs: HOUR } } });
    const response = await upload(app, ada.session, conversationId, text(1001));
    expect(response.statusCode).toBe(413);
    expect(response.json().error.code).toBe('payload_too_large');
    expect(response.json().error.details).toEqual({ maxBytes: 1000 });
  });

  it('keeps stored bytes under UPLOAD_QUOTA_BYTES, cutting a too-big upload off while it streams', async () => {
    // A TTL shorter than the session token's 24 h, so Ada is still signed in after the sweep.
    const { app, clock, ada, bob, conversationId } = await setUp({
      uploads: { quotaBytes: 5000, orphanTtlMs: HOUR },
    });
    const first = await upload(app, ada.session, conversationId, text(3000));
    expect(first.statusCode).toBe(201);
    const sent = await call(app, 'POST', `/api/conversations/${conversationId}/messages`, {
      session: ada.session,
      body: { clientId: randomUUID(), body: 'sent', attachmentIds: [first.json().id] },
    });
    expect(sent.statusCode, sent.body).toBe(201);
    const before = await stored();

    const declared = await upload(app, ada.session, conversationId, text(2500));
    expect(declared.statusCode).toBe(413);
    expect(declared.json().error).toMatchObject({
      code: 'quota_exceeded',
      details: { quotaBytes: 5000, usedBytes: 3000 },
    });
    const streamed = await upload(
      app,
      ada.session,
      conversationId,
      Readable.from([text(1000), text(1000), text(1000)]),
    );
    expect(streamed.statusCode).toBe(413);
    expect(streamed.json().error.code).toBe('quota_exceeded');
    expect(await stored()).toEqual(before);
    // Other users have their own quota.
    expect((await upload(app, bob.session, conversationId, text(4000))).statusCode).toBe(201);

    // Exactly what is left fits; then nothing does.
    const orphan = await upload(app, ada.session, conversationId, text(2000));
    expect(orphan.statusCode).toBe(201);
    expect((await upload(app, ada.session, conversationId, text(1))).json().error.code).toBe(
      'quota_exceeded',
    );

    // An upload never sent is removed by the sweeper after UPLOAD_ORPHAN_TTL, which frees its bytes.
    clock.advance(app.config.uploads.orphanTtlMs + 60_000);
    const swept = await sweepOrphanUploads({
      db: testDb.database.db,
      blobs: platformOf(app).blobs,
      now: clock.now,
      orphanTtlMs: app.config.uploads.orphanTtlMs,
      log: quiet,
    });
    expect(swept.purged).toContain(orphan.json().id);
    expect((await upload(app, ada.session, conversationId, text(2000))).statusCode).toBe(201);
  });

  it('never lets concurrent uploads exceed the quota together, and keeps no bytes of the refused ones', async () => {
    const { app, ada, conversationId } = await setUp({ uploads: { quotaBytes: 10_000 } });
    const before = await stored();
    const results = await Promise.all(
      Array.from({ length: 8 }, () => upload(app, ada.session, conversationId, text(2000))),
    );
    const statuses = results.map((response) => response.statusCode).sort();
    expect(statuses).toEqual([201, 201, 201, 201, 201, 413, 413, 413]);
    for (const response of results.filter((r) => r.statusCode === 413)) {
      expect(response.json().error.code).toBe('quota_exceeded');
    }
    const after = await stored();
    expect(after.rows).toBe(before.rows + 5);
    expect(after.blobs).toHaveLength(before.blobs.length + 5);
  });
});

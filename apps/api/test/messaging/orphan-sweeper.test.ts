import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type S3Server, startS3 } from '../../../../scripts/services/s3.js';
import { type SmtpCapture, startSmtpCapture } from '../../../../scripts/services/smtp-capture.js';
import { createDatabase, type Database } from '../../src/db/database.js';
import { toDbTime } from '../../src/db/time.js';
import { newId } from '../../src/ids.js';
import {
  claimOrphans,
  findExpiredClaims,
  findOrphans,
  takeOverClaims,
} from '../../src/modules/attachments/attachment.repository.js';
import {
  OrphanSweeper,
  PURGE_LEASE_MS,
  type SweepDeps,
  sweepOrphanUploads,
} from '../../src/modules/attachments/orphan-sweeper.js';
import type { BlobStore } from '../../src/platform/blobs/blob-store.js';
import { createLocalBlobStore } from '../../src/platform/blobs/local-blob.store.js';
import { createS3BlobStore } from '../../src/platform/blobs/s3-blob.store.js';
import { buildTestApp } from '../helpers/app.js';
import { call, signUp, TestClock } from '../helpers/auth.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { createGroup } from '../helpers/messaging.js';
import { attachmentRows, storedKeys, text, upload, withConfig } from '../helpers/uploads.js';

type User = Awaited<ReturnType<typeof signUp>>;

const HOUR = 3_600_000;
// Shorter than a session token's 24 h, so users stay signed in while the clock moves past it.
const TTL = 2 * HOUR;
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

/** A blob store that counts deletes per key and yields inside each, so racing sweeps interleave. */
function counting(store: BlobStore) {
  const deletes = new Map<string, number>();
  const wrapped: BlobStore = {
    put: (body, options) => store.put(body, options),
    get: (key) => store.get(key),
    close: () => store.close(),
    async delete(key) {
      deletes.set(key, (deletes.get(key) ?? 0) + 1);
      await new Promise((resolve) => setImmediate(resolve));
      await store.delete(key);
    },
  };
  return { store: wrapped, deletes };
}

const CASES = [
  ['sqlite', 'local'],
  ['sqlite', 's3'],
  ['mariadb', 'local'],
  ['mariadb', 's3'],
] as const;

describe.each(CASES)('orphan upload sweeper on %s with the %s blob store', (kind, storeKind) => {
  let smtp: SmtpCapture;
  let s3: S3Server | undefined;
  let testDb: TestDatabase;
  let blobs: BlobStore;
  let clock: TestClock;
  let app: FastifyInstance;
  let ada: User;
  let bob: User;
  let conversationId: string;

  beforeAll(async () => {
    smtp = await startSmtpCapture();
    testDb = withConfig(await createTestDatabase(kind, { env: { SMTP_URL: smtp.url } }), {
      uploads: { orphanTtlMs: TTL },
    });
    if (storeKind === 's3') {
      s3 = await startS3();
      blobs = createS3BlobStore({ bucket: s3.bucket, prefix: 'attachments/', client: s3.client() });
    } else {
      const { blobStore } = testDb.config;
      if (blobStore.kind !== 'local') throw new Error('expected a local blob store');
      blobs = createLocalBlobStore({ dir: blobStore.dir });
    }
    clock = new TestClock();
    app = await buildTestApp(testDb, { now: clock.now, platform: { blobs } });
    [ada, bob] = (await Promise.all([signUp(app, smtp), signUp(app, smtp)])) as [User, User];
    conversationId = (await createGroup(app, ada.session, 'Files', [bob.userId])).id;
  });
  afterAll(async () => {
    await app?.close();
    await s3?.stop();
    await testDb?.cleanup();
    await smtp?.stop();
  });

  const keys = () => storedKeys(testDb.config, s3);
  const row = async (id: string) =>
    (await attachmentRows(testDb.database.db)).find((attachment) => attachment.id === id);
  const deps = (overrides: Partial<SweepDeps> = {}): SweepDeps => ({
    db: testDb.database.db,
    blobs,
    now: clock.now,
    orphanTtlMs: TTL,
    log: quiet,
    ...overrides,
  });
  const uploaded = async (session = ada.session) => {
    const response = await upload(app, session, conversationId, text(100, 'o'));
    expect(response.statusCode, response.body).toBe(201);
    const id: string = response.json().id;
    const stored = await row(id);
    return { id, key: stored?.storage_key ?? '' };
  };
  const sendWith = (attachmentId: string) =>
    call(app, 'POST', `/api/conversations/${conversationId}/messages`, {
      session: ada.session,
      body: { clientId: randomUUID(), body: 'with a file', attachmentIds: [attachmentId] },
    });
  /** Orphans made directly (row + bytes), as if uploaded `ageMs` ago: faster than the API for many. */
  const orphans = async (count: number, ageMs: number) =>
    Promise.all(
      Array.from({ length: count }, async () => {
        const stored = await blobs.put(Readable.from([text(10)]), {
          contentType: 'text/plain',
          maxBytes: 100,
        });
        const id = newId();
        await testDb.database.db
          .insertInto('attachments')
          .values({
            id,
            conversation_id: conversationId,
            uploader_id: ada.userId,
            message_id: null,
            storage_key: stored.key,
            name: 'made.txt',
            content_type: 'text/plain; charset=utf-8',
            size: stored.size,
            sha256: stored.sha256,
            created_at: toDbTime(new Date(clock.now().getTime() - ageMs)),
            deleted_at: null,
            purge_claim: null,
            purge_claimed_at: null,
            purged_at: null,
          })
          .execute();
        return { id, key: stored.key };
      }),
    );

  it('removes uploads no message used once older than the TTL; keeps sent and younger ones', async () => {
    const sent = await uploaded();
    expect((await sendWith(sent.id)).statusCode).toBe(201);
    const old1 = await uploaded();
    const old2 = await uploaded(bob.session);
    clock.advance(TTL - 60_000);
    const young = await uploaded();
    clock.advance(2 * 60_000);
    const rowsBefore = (await attachmentRows(testDb.database.db)).length;

    const result = await sweepOrphanUploads(deps());
    expect(result.failed).toEqual([]);
    expect([...result.purged].sort()).toEqual([old1.id, old2.id].sort());

    // Rows stay (soft-deleted, bytes marked gone); the bytes are gone from the store.
    expect((await attachmentRows(testDb.database.db)).length).toBe(rowsBefore);
    for (const { id } of [old1, old2]) {
      expect(await row(id)).toMatchObject({ deleted_at: expect.any(String), purged_at: expect.any(String) });
    }
    const left = await keys();
    expect(left).not.toContain(old1.key);
    expect(left).not.toContain(old2.key);
    expect(left).toEqual(expect.arrayContaining([sent.key, young.key]));

    // To users: a swept upload is gone and cannot be sent; the others work as before.
    const get = (session: typeof ada.session, id: string) =>
      app.inject({ method: 'GET', url: `/api/attachments/${id}`, headers: { cookie: session.cookie } });
    expect((await get(ada.session, old1.id)).statusCode).toBe(404);
    expect((await sendWith(old1.id)).statusCode).toBe(400);
    expect((await get(bob.session, sent.id)).statusCode).toBe(200);
    expect((await sendWith(young.id)).statusCode).toBe(201);

    // A second sweep finds nothing more to do.
    expect(await sweepOrphanUploads(deps())).toEqual({ purged: [], failed: [] });
  });

  it('two instances sweeping at once process each orphan exactly once', async () => {
    const made = await orphans(24, TTL + HOUR);
    // The second instance: its own connection (pool) to the same database, and its own blob store client.
    const second: Database = createDatabase(testDb.config.database);
    try {
      const first = counting(blobs);
      const other = counting(blobs);
      const [a, b] = await Promise.all([
        sweepOrphanUploads(deps({ blobs: first.store, batchSize: 4 })),
        sweepOrphanUploads(deps({ db: second.db, blobs: other.store, batchSize: 4 })),
      ]);
      expect([...a.failed, ...b.failed]).toEqual([]);
      // Both took part: the race is real, not one sweep after the other.
      expect(a.purged.length).toBeGreaterThan(0);
      expect(b.purged.length).toBeGreaterThan(0);
      const both = [...a.purged, ...b.purged];
      expect(new Set(both).size).toBe(both.length); // nobody processed a row the other did
      expect(both.sort()).toEqual(made.map((orphan) => orphan.id).sort());
      const deletes = [...first.deletes.entries(), ...other.deletes.entries()];
      expect(deletes.map(([key]) => key).sort()).toEqual(made.map((orphan) => orphan.key).sort());
      expect(deletes.every(([, count]) => count === 1)).toBe(true);
      const left = await keys();
      expect(made.filter((orphan) => left.includes(orphan.key))).toEqual([]);
      for (const orphan of made) expect((await row(orphan.id))?.purged_at).not.toBeNull();
    } finally {
      await second.destroy();
    }
  });

  it('claims conditionally: rows another run claimed, or a message took, since they were found are not claimed again', async () => {
    const made = await orphans(3, TTL + HOUR);
    const ids = made.map((orphan) => orphan.id);
    const at = toDbTime(clock.now());
    const cutoff = toDbTime(new Date(clock.now().getTime() - TTL));
    // Both instances found the same rows before either claimed them.
    const found = await findOrphans(testDb.database.db, { cutoff, limit: 1000 });
    expect(found).toEqual(expect.arrayContaining(ids));
    // A message takes one of them in between.
    const [taken, ...rest] = ids as [string, ...string[]];
    expect((await sendWith(taken)).statusCode).toBe(201);
    expect(await claimOrphans(testDb.database.db, ids, { claim: 'run-a', now: at, cutoff })).toBe(
      rest.length,
    );
    expect(await claimOrphans(testDb.database.db, ids, { claim: 'run-b', now: at, cutoff })).toBe(0);
    for (const id of rest) expect((await row(id))?.purge_claim).toBe('run-a');
    expect(await row(taken)).toMatchObject({ deleted_at: null, purge_claim: null });

    // Taking over expired claims is conditional the same way.
    const before = toDbTime(new Date(clock.now().getTime() + 1000));
    const expired = await findExpiredClaims(testDb.database.db, { claimedBefore: before, limit: 1000 });
    expect(expired).toEqual(expect.arrayContaining(rest));
    const later = toDbTime(new Date(clock.now().getTime() + 500));
    expect(
      await takeOverClaims(testDb.database.db, rest, { claim: 'run-c', now: later, claimedBefore: before }),
    ).toBe(rest.length);
    expect(
      await takeOverClaims(testDb.database.db, rest, { claim: 'run-d', now: later, claimedBefore: later }),
    ).toBe(0);
    // Clean up for the next tests: let a real sweep finish these once their lease ends.
    clock.advance(PURGE_LEASE_MS + 2000);
    expect((await sweepOrphanUploads(deps())).purged.sort()).toEqual([...rest].sort());
  });

  it('finishes the work of a sweep that failed after claiming, once the lease has ended', async () => {
    const [orphan] = await orphans(1, TTL + HOUR);
    if (!orphan) throw new Error('no orphan');
    const failing: BlobStore = {
      ...blobs,
      delete: async () => {
        throw new Error('blob store unavailable');
      },
    };
    const failed = await sweepOrphanUploads(deps({ blobs: failing }));
    expect(failed).toEqual({ purged: [], failed: [orphan.id] });
    expect(await row(orphan.id)).toMatchObject({ deleted_at: expect.any(String), purged_at: null });
    expect(await keys()).toContain(orphan.key);

    // Within the lease the claim is still that run's: another instance leaves it alone.
    expect(await sweepOrphanUploads(deps())).toEqual({ purged: [], failed: [] });
    clock.advance(PURGE_LEASE_MS + 1000);
    expect(await sweepOrphanUploads(deps())).toEqual({ purged: [orphan.id], failed: [] });
    expect(await keys()).not.toContain(orphan.key);
    expect((await row(orphan.id))?.purged_at).not.toBeNull();
  });

  it('never lets a message keep an attachment a concurrent sweep removed', async () => {
    const made = await orphans(16, TTL + HOUR);
    const [sends, sweep] = await Promise.all([
      Promise.all(made.map((orphan) => sendWith(orphan.id))),
      sweepOrphanUploads(deps({ batchSize: 2 })),
    ]);
    const left = await keys();
    for (const [index, orphan] of made.entries()) {
      const response = sends[index];
      const stored = await row(orphan.id);
      if (response?.statusCode === 201) {
        // The message won: the attachment is its, alive, with its bytes.
        expect(response.json().attachments.map((a: { id: string }) => a.id)).toEqual([orphan.id]);
        expect(stored).toMatchObject({ deleted_at: null, message_id: response.json().id });
        expect(left).toContain(orphan.key);
        expect(sweep.purged).not.toContain(orphan.id);
      } else {
        // The sweep won: the send was refused and the bytes are gone.
        expect(response?.statusCode).toBe(400);
        expect(stored).toMatchObject({ message_id: null, purged_at: expect.any(String) });
        expect(left).not.toContain(orphan.key);
      }
    }
  });

  it('runs on its timer in a listening app and stops when the app closes', async () => {
    const timed = await buildTestApp(withConfig(testDb, { uploads: { sweepIntervalMs: 100 } }), {
      now: clock.now,
      platform: { blobs },
    });
    try {
      const [orphan] = await orphans(1, TTL + HOUR);
      if (!orphan) throw new Error('no orphan');
      await timed.listen({ port: 0, host: '127.0.0.1' });
      await expect.poll(async () => (await row(orphan.id))?.purged_at, { timeout: 10_000 }).not.toBeNull();
      expect(await keys()).not.toContain(orphan.key);
    } finally {
      await timed.close();
    }
  });

  it('stop() waits for a run in progress, and no run starts after it', async () => {
    const [orphan] = await orphans(1, TTL + HOUR);
    if (!orphan) throw new Error('no orphan');
    let release: () => void = () => undefined;
    let started: () => void = () => undefined;
    const running = new Promise<void>((resolve) => {
      started = resolve;
    });
    const held: BlobStore = {
      ...blobs,
      delete: async (key) => {
        started();
        await new Promise<void>((resolve) => {
          release = resolve;
        });
        await blobs.delete(key);
      },
    };
    const sweeper = new OrphanSweeper({ ...deps({ blobs: held }), intervalMs: 100 });
    sweeper.start();
    await running;
    let stopped = false;
    const stopping = sweeper.stop().then(() => {
      stopped = true;
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(stopped).toBe(false);
    release();
    await stopping;
    expect((await row(orphan.id))?.purged_at).not.toBeNull();
  });
});

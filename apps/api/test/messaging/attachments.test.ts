import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type S3Server, startS3 } from '../../../../scripts/services/s3.js';
import { type SmtpCapture, startSmtpCapture } from '../../../../scripts/services/smtp-capture.js';
import { createS3BlobStore } from '../../src/platform/blobs/s3-blob.store.js';
import { buildTestApp } from '../helpers/app.js';
import { call, type Session, signUp } from '../helpers/auth.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { createGroup, history } from '../helpers/messaging.js';

type User = Awaited<ReturnType<typeof signUp>>;

const PNG = Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]),
  Buffer.from('IHDR'),
  Buffer.from([0, 0, 0, 1, 0, 0, 0, 1, 8, 6, 0, 0, 0, 0x1f, 0x15, 0xc4, 0x89]),
  Buffer.alloc(64, 7),
]);
const PDF = Buffer.from('%PDF-1.7\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n');

const STORES = ['local', 's3'] as const;

describe.each(STORES)('attachments through the API (%s blob store)', (store) => {
  let smtp: SmtpCapture;
  let s3: S3Server | undefined;
  let testDb: TestDatabase;
  let app: FastifyInstance;
  let ada: User;
  let bob: User;
  let eve: User;
  let conversationId: string;

  beforeAll(async () => {
    smtp = await startSmtpCapture();
    testDb = await createTestDatabase(store === 's3' ? 'mariadb' : 'sqlite', {
      env: { SMTP_URL: smtp.url, ATTACHMENT_MAX_BYTES: String(64 * 1024) },
    });
    if (store === 's3') s3 = await startS3();
    app = await buildTestApp(testDb, {
      ...(s3
        ? {
            platform: {
              blobs: createS3BlobStore({ bucket: s3.bucket, prefix: 'attachments/', client: s3.client() }),
            },
          }
        : {}),
    });
    [ada, bob, eve] = await Promise.all([signUp(app, smtp), signUp(app, smtp), signUp(app, smtp)]);
    conversationId = (await createGroup(app, ada.session, 'Files', [bob.userId])).id;
  });
  afterAll(async () => {
    await app?.close();
    await s3?.stop();
    await testDb?.cleanup();
    await smtp?.stop();
  });

  const upload = (
    session: Session | undefined,
    bytes: Buffer | Readable,
    contentType: string,
    query = `conversationId=${conversationId}&name=${encodeURIComponent('photo é.png')}`,
  ) =>
    app.inject({
      method: 'POST',
      url: `/api/attachments?${query}`,
      headers: {
        'content-type': contentType,
        origin: app.config.publicUrl.origin,
        ...(session ? { cookie: session.cookie } : {}),
      },
      payload: bytes,
    });
  const download = (session: Session, id: string) =>
    app.inject({ method: 'GET', url: `/api/attachments/${id}`, headers: { cookie: session.cookie } });

  it('uploads for members, sends with a message, and serves the exact bytes to members only', async () => {
    const uploaded = await upload(ada.session, PNG, 'image/png');
    expect(uploaded.statusCode, uploaded.body).toBe(201);
    const attachment = uploaded.json();
    expect(attachment).toEqual({
      id: expect.any(String),
      name: 'photo é.png',
      size: PNG.length,
      contentType: 'image/png',
    });

    // Before it is sent, only the uploader can fetch it.
    expect((await download(ada.session, attachment.id)).statusCode).toBe(200);
    expect((await download(bob.session, attachment.id)).statusCode).toBe(404);

    const sent = await call(app, 'POST', `/api/conversations/${conversationId}/messages`, {
      session: ada.session,
      body: { clientId: randomUUID(), body: '', attachmentIds: [attachment.id] },
    });
    expect(sent.statusCode, sent.body).toBe(201);
    expect(sent.json().attachments).toEqual([attachment]);

    const got = await download(bob.session, attachment.id);
    expect(got.statusCode).toBe(200);
    expect(got.rawPayload.equals(PNG)).toBe(true);
    expect(got.headers).toMatchObject({
      'content-type': 'image/png',
      'x-content-type-options': 'nosniff',
      'content-disposition': `attachment; filename="photo _.png"; filename*=UTF-8''photo%20%C3%A9.png`,
    });
    expect((await download(eve.session, attachment.id)).statusCode).toBe(404);
    expect((await upload(eve.session, PNG, 'image/png')).statusCode).toBe(404);
    expect((await upload(undefined, PNG, 'image/png')).statusCode).toBe(401);

    // The same attachment cannot be sent twice.
    const again = await call(app, 'POST', `/api/conversations/${conversationId}/messages`, {
      session: ada.session,
      body: { clientId: randomUUID(), body: 'again', attachmentIds: [attachment.id] },
    });
    expect(again.statusCode).toBe(400);

    // Deleting the message takes the attachment with it (for readers; the row and bytes stay).
    await call(app, 'DELETE', `/api/messages/${sent.json().id}`, { session: ada.session });
    expect((await download(bob.session, attachment.id)).statusCode).toBe(404);
    const page = await history(app, bob.session, conversationId);
    expect(page.messages.at(-1)?.attachments).toEqual([]);
  });

  it('checks the type against the bytes, not only the header', async () => {
    const cases: [Buffer, string][] = [
      [PDF, 'image/png'],
      [
        Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
        'image/svg+xml',
      ],
      [Buffer.from('<!doctype html><script>alert(1)</script>'), 'text/plain'],
      [PNG, 'application/x-msdownload'],
      [Buffer.from([0x61, 0x00, 0x62]), 'text/plain'],
    ];
    for (const [bytes, type] of cases) {
      const response = await upload(ada.session, bytes, type);
      expect(response.statusCode, `${type}: ${response.body}`).toBe(415);
      expect(response.json().error.code).toBe('unsupported_media_type');
    }
    expect((await upload(ada.session, PDF, 'application/pdf')).statusCode).toBe(201);
    expect(
      (await upload(ada.session, Buffer.from('plain words ✓'), 'text/plain; charset=utf-8')).json()
        .contentType,
    ).toBe('text/plain; charset=utf-8');
  });

  it('stores a name with the extension of the checked type: an HTML-looking .html kept as text/plain is served as .txt', async () => {
    const markup = Buffer.from('<p onmouseover="alert(1)">hello</p>\n');
    const uploaded = await upload(
      ada.session,
      markup,
      'text/plain',
      `conversationId=${conversationId}&name=${encodeURIComponent('invite.html')}`,
    );
    expect(uploaded.statusCode, uploaded.body).toBe(201);
    expect(uploaded.json()).toMatchObject({
      name: 'invite.html.txt',
      contentType: 'text/plain; charset=utf-8',
    });
    const got = await download(ada.session, uploaded.json().id);
    expect(got.headers['content-disposition']).toBe(
      `attachment; filename="invite.html.txt"; filename*=UTF-8''invite.html.txt`,
    );
    expect(got.rawPayload.equals(markup)).toBe(true);
    // A name that already says its type is kept as it is.
    const pdf = await upload(
      ada.session,
      PDF,
      'application/pdf',
      `conversationId=${conversationId}&name=${encodeURIComponent('Report.PDF')}`,
    );
    expect(pdf.json().name).toBe('Report.PDF');
  });

  it('enforces the size cap while streaming, with or without Content-Length, and stores nothing', async () => {
    const before = await testDb.database.db
      .selectFrom('attachments')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    const big = Buffer.concat([PNG, Buffer.alloc(70 * 1024, 1)]);
    const declared = await upload(ada.session, big, 'image/png');
    expect(declared.statusCode).toBe(413);
    const chunked = await upload(
      ada.session,
      Readable.from([PNG, Buffer.alloc(40 * 1024, 1), Buffer.alloc(40 * 1024, 2)]),
      'image/png',
    );
    expect(chunked.statusCode).toBe(413);
    expect(chunked.json().error.code).toBe('payload_too_large');
    const after = await testDb.database.db
      .selectFrom('attachments')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    expect(Number(after.n)).toBe(Number(before.n));
    if (s3) expect(await s3.listPendingUploads()).toEqual([]);
  });

  it('rejects bad query parameters and unknown attachments', async () => {
    expect((await upload(ada.session, PNG, 'image/png', 'conversationId=')).statusCode).toBe(400);
    expect(
      (await upload(ada.session, PNG, 'image/png', `conversationId=${conversationId}&extra=1`)).statusCode,
    ).toBe(400);
    expect((await download(ada.session, 'noSuchAttachment')).statusCode).toBe(404);
  });
});

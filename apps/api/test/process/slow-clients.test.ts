import { mkdtempSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../../scripts/services/free-port.js';
import { type ServerProcess, spawnServer } from '../../../../scripts/services/parley-server.js';
import { type SmtpCapture, startSmtpCapture } from '../../../../scripts/services/smtp-capture.js';
import { buildTestApp } from '../helpers/app.js';
import { signUp } from '../helpers/auth.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { createGroup } from '../helpers/messaging.js';
import { attachmentRows, storedKeys, withConfig } from '../helpers/uploads.js';
import { connectWs } from '../helpers/ws-client.js';

/**
 * Slowloris and idle clients against the real HTTP server on a loopback port, through raw TCP sockets.
 * Every assertion waits for the server to act (close, answer); none measures time.
 */
interface RawClient {
  readonly socket: Socket;
  /** Everything the server sent, as text. */
  received(): string;
  /** Resolves when the server has closed the connection. */
  readonly closed: Promise<void>;
  /** Sends `data` one byte every `everyMs` until it is all sent or the connection closes; resolves with bytes sent. */
  trickle(data: string, everyMs: number): Promise<number>;
}

async function rawClient(port: number): Promise<RawClient> {
  const socket = connect(port, '127.0.0.1');
  let received = '';
  socket.on('data', (chunk) => {
    received += chunk.toString('utf8');
  });
  // The server may reset the connection while bytes are in flight: that is the outcome under test.
  socket.on('error', () => undefined);
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  let open = true;
  void closed.then(() => {
    open = false;
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('error', reject);
  });
  return {
    socket,
    received: () => received,
    closed,
    async trickle(data, everyMs) {
      let sent = 0;
      for (const byte of data) {
        if (!open || socket.writableEnded) break;
        socket.write(byte);
        sent++;
        await new Promise((resolve) => setTimeout(resolve, everyMs));
      }
      return sent;
    },
  };
}

const statusLine = (text: string) => text.split('\r\n')[0];

describe('slow and idle clients (the app on a loopback port)', () => {
  let smtp: SmtpCapture;
  let testDb: TestDatabase;
  const apps: FastifyInstance[] = [];
  const clients: RawClient[] = [];

  beforeAll(async () => {
    smtp = await startSmtpCapture();
    testDb = await createTestDatabase('sqlite', { env: { SMTP_URL: smtp.url } });
  });
  afterEach(async () => {
    for (const client of clients.splice(0)) client.socket.destroy();
    await Promise.all(apps.splice(0).map((app) => app.close()));
  });
  afterAll(async () => {
    await testDb?.cleanup();
    await smtp?.stop();
  });

  async function listening(change: Parameters<typeof withConfig>[1]) {
    const app = await buildTestApp(withConfig(testDb, change));
    apps.push(app);
    await app.listen({ port: 0, host: '127.0.0.1' });
    const address = app.server.address();
    if (!address || typeof address === 'string') throw new Error('not listening');
    const client = async () => {
      const raw = await rawClient(address.port);
      clients.push(raw);
      return raw;
    };
    return { app, port: address.port, client };
  }

  it('cuts off an upload trickling under UPLOAD_MIN_BYTES_PER_SECOND with 408, closes the connection, stores nothing', async () => {
    const { app, port, client } = await listening({
      uploads: { idleTimeoutMs: 500, minBytesPerSecond: 1024 },
      http: { requestTimeoutMs: 120_000 },
    });
    const ada = await signUp(app, smtp);
    const conversationId = (await createGroup(app, ada.session, 'Slow', [])).id;
    const before = {
      rows: (await attachmentRows(testDb.database.db)).length,
      blobs: await storedKeys(testDb.config),
    };
    const head = (length: number) =>
      [
        `POST /api/attachments?conversationId=${conversationId}&name=slow.txt HTTP/1.1`,
        `Host: 127.0.0.1:${port}`,
        `Origin: ${app.config.publicUrl.origin}`,
        `Cookie: ${ada.session.cookie}`,
        'Content-Type: text/plain',
        `Content-Length: ${length}`,
        '',
        '',
      ].join('\r\n');

    // Trickled from the first byte (the type check is still waiting for the file's head)…
    const early = await client();
    early.socket.write(head(100_000));
    const sentEarly = await early.trickle('a'.repeat(100_000), 100);
    await early.closed;
    // …and after a quick head, while the bytes stream to the blob store.
    const late = await client();
    late.socket.write(head(100_000) + 'b'.repeat(8000));
    const sentLate = await late.trickle('b'.repeat(92_000), 100);
    await late.closed;

    for (const [raw, sent] of [
      [early, sentEarly],
      [late, sentLate],
    ] as const) {
      expect(sent).toBeLessThan(1000); // cut off long before the body was complete
      const response = raw.received();
      expect(statusLine(response)).toBe('HTTP/1.1 408 Request Timeout');
      expect(response.toLowerCase()).toContain('connection: close');
      const body = JSON.parse(response.slice(response.indexOf('\r\n\r\n') + 4));
      expect(body.error.code).toBe('request_timeout');
    }
    expect((await attachmentRows(testDb.database.db)).length).toBe(before.rows);
    expect(await storedKeys(testDb.config)).toEqual(before.blobs);

    // The same upload sent at a normal pace is accepted.
    const quick = await fetch(
      `http://127.0.0.1:${port}/api/attachments?conversationId=${conversationId}&name=quick.txt`,
      {
        method: 'POST',
        headers: {
          origin: app.config.publicUrl.origin,
          cookie: ada.session.cookie,
          'content-type': 'text/plain',
        },
        body: 'c'.repeat(100_000),
      },
    );
    expect(quick.status).toBe(201);
  });

  it('answers 408 and closes a connection whose headers or body trickle past HTTP_REQUEST_TIMEOUT', async () => {
    const { app, port, client } = await listening({ http: { requestTimeoutMs: 1000 } });
    const ada = await signUp(app, smtp);
    const ws = await connectWs(app, { cookie: ada.session.cookie });

    const headers = await client();
    headers.socket.write(`GET /api/health/live HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nX-Slow: `);
    const headerBytes = await headers.trickle('a'.repeat(10_000), 100);
    await headers.closed;
    expect(headerBytes).toBeLessThan(10_000);
    expect(statusLine(headers.received())).toBe('HTTP/1.1 408 Request Timeout');

    const body = await client();
    body.socket.write(
      `POST /api/auth/login HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\nContent-Length: 10000\r\n\r\n{"email":"`,
    );
    const bodyBytes = await body.trickle('a'.repeat(9000), 100);
    await body.closed;
    expect(bodyBytes).toBeLessThan(9000);
    expect(statusLine(body.received())).toBe('HTTP/1.1 408 Request Timeout');

    // A client at a normal pace is served, and a WebSocket open all along is not a slow request.
    expect((await fetch(`http://127.0.0.1:${port}/api/health/live`)).status).toBe(200);
    ws.send({ type: 'ping' });
    await ws.next('pong');
    ws.close();
  });

  it('closes idle connections (HTTP_CONNECTION_TIMEOUT, HTTP_KEEP_ALIVE_TIMEOUT) but not an idle WebSocket', async () => {
    const { app, port, client } = await listening({
      http: { connectionTimeoutMs: 500, keepAliveTimeoutMs: 300, maxRequestsPerSocket: 2 },
    });
    const ada = await signUp(app, smtp);
    const ws = await connectWs(app, { cookie: ada.session.cookie });

    // Connected and silent: dropped without an answer.
    const silent = await client();
    await silent.closed;
    expect(silent.received()).toBe('');

    // One request, then silence: answered, then the kept-alive connection is closed.
    const kept = await client();
    kept.socket.write(`GET /api/health/live HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`);
    await kept.closed;
    expect(kept.received().match(/HTTP\/1\.1 200 OK/g)).toHaveLength(1);

    // HTTP_MAX_REQUESTS_PER_SOCKET: the second response says the connection ends, and it does.
    const reused = await client();
    const request = `GET /api/health/live HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`;
    reused.socket.write(request + request);
    await reused.closed;
    const responses = reused.received().split(/(?=HTTP\/1\.1 )/);
    expect(responses.map(statusLine)).toEqual(['HTTP/1.1 200 OK', 'HTTP/1.1 200 OK']);
    expect(responses[1]?.toLowerCase()).toContain('connection: close');

    // The WebSocket was idle all along, longer than the connection timeout, and still works.
    expect(ws.socket.readyState).toBe(ws.socket.OPEN);
    ws.send({ type: 'ping' });
    await ws.next('pong');
    ws.close();
  });
});

describe('slow clients against the server process (timeouts from the environment)', () => {
  let server: ServerProcess | undefined;
  let dataDir: string;

  afterAll(() => {
    server?.child.kill('SIGKILL');
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('closes a connection trickling its headers after HTTP_REQUEST_TIMEOUT', async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'parley-slow-'));
    const port = await freePort();
    server = spawnServer({
      PORT: String(port),
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      HTTP_REQUEST_TIMEOUT: '1s',
    });
    await server.waitForOutput(/Parley is running at/, 60_000);
    const raw = await rawClient(port);
    raw.socket.write(`GET /api/health/live HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nX-Slow: `);
    const sent = await raw.trickle('a'.repeat(10_000), 100);
    await raw.closed;
    expect(sent).toBeLessThan(10_000);
    expect(statusLine(raw.received())).toBe('HTTP/1.1 408 Request Timeout');
    expect((await fetch(`http://127.0.0.1:${port}/api/health/live`)).status).toBe(200);
  });
});

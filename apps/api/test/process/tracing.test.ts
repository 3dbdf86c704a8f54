import { mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../../scripts/services/free-port.js';
import { type ServerProcess, spawnServer } from '../../../../scripts/services/parley-server.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';

/** A stand-in OTLP/HTTP collector: keeps every body POSTed to /v1/traces (protobuf, as sent). */
async function startCollector(): Promise<{
  url: string;
  bodies: Buffer[];
  paths: string[];
  close(): Promise<void>;
}> {
  const bodies: Buffer[] = [];
  const paths: string[] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      paths.push(`${request.method} ${request.url} ${request.headers['content-type']}`);
      bodies.push(Buffer.concat(chunks));
      // An empty ExportTraceServiceResponse: everything accepted.
      response.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    bodies,
    paths,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** Protobuf carries strings as raw UTF-8 and ids as raw bytes: both can be found in the encoded spans. */
const sent = (bodies: Buffer[], needle: string | Buffer) => bodies.some((body) => body.includes(needle));

describe('OpenTelemetry tracing (OTEL_EXPORTER_OTLP_ENDPOINT set), server on MariaDB', () => {
  let collector: Awaited<ReturnType<typeof startCollector>>;
  let testDb: TestDatabase;
  let server: ServerProcess;
  let port: number;

  beforeAll(async () => {
    collector = await startCollector();
    testDb = await createTestDatabase('mariadb');
    port = await freePort();
    server = spawnServer({
      PORT: String(port),
      HOST: '127.0.0.1',
      DATA_DIR: mkdtempSync(path.join(tmpdir(), 'parley-tracing-')),
      DATABASE_URL: testDb.config.database.url,
      LOG_LEVEL: 'info',
      LOG_FORMAT: 'json',
      OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
      // The SDK reads its own standard variables: no batch leaves before shutdown, which must send it.
      OTEL_BSP_SCHEDULE_DELAY: '600000',
    });
    await server.waitForOutput(/Parley is running at/);
  });
  afterAll(async () => {
    server?.child.kill('SIGKILL');
    await collector?.close();
    await testDb?.cleanup();
  });

  it('exports a span per request with its request id and MySQL child spans without values, flushed at shutdown', async () => {
    const email = 'traced.person@example.com';
    const response = await fetch(`http://127.0.0.1:${port}/api/auth/login?token=query-secret`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: `http://localhost:${port}` },
      body: JSON.stringify({ email, password: 'not-the-password-123' }),
    });
    expect(response.status).toBe(401);
    const requestId = response.headers.get('x-request-id') ?? '';
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(collector.bodies).toEqual([]);

    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    const bodies = collector.bodies;
    expect(collector.paths[0]).toBe('POST /v1/traces application/x-protobuf');
    expect(sent(bodies, 'parley.request_id')).toBe(true);
    expect(sent(bodies, requestId)).toBe(true);
    expect(sent(bodies, '/api/auth/login')).toBe(true);
    // The service, and the login's account lookup: a MySQL span with the statement as written.
    expect(sent(bodies, 'parley')).toBe(true);
    expect(sent(bodies, 'mysql')).toBe(true);
    expect(sent(bodies, 'from `users` where `deleted_at` is null and `email` = ?')).toBe(true);
    // Never a value: not the email the query looked for, not a token from the query string.
    expect(sent(bodies, email)).toBe(false);
    expect(sent(bodies, 'query-secret')).toBe(false);

    // The request's log lines carry the trace of its span.
    const lines = server
      .output()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map(
        (line) => JSON.parse(line) as { reqId?: string; trace_id?: string; span_id?: string; msg?: string },
      );
    const completed = lines.find((line) => line.reqId === requestId && line.msg === 'request completed');
    expect(completed?.trace_id).toMatch(/^[0-9a-f]{32}$/);
    expect(completed?.span_id).toMatch(/^[0-9a-f]{16}$/);
    expect(sent(bodies, Buffer.from(completed?.trace_id ?? '', 'hex'))).toBe(true);
    expect(sent(bodies, Buffer.from(completed?.span_id ?? '', 'hex'))).toBe(true);
  });
});

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { freePort } from '../../../../scripts/services/free-port.js';
import { type ServerProcess, spawnServer } from '../../../../scripts/services/parley-server.js';
import { createOutboxMailer, framedEmailNotice } from '../../src/platform/mail/outbox.mailer.js';
import { buildTestApp, LogCapture } from '../helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';

/** `[12:00:01.234] INFO: GET /api/health/live 200 0.4 ms` */
const REQUEST_LINE = /^\[\d{2}:\d{2}:\d{2}\.\d{3}\] INFO: (\S+) (\S+) (\d{3}) \d+\.\d ms$/;

describe('LOG_FORMAT=pretty', () => {
  let testDb: TestDatabase;
  let app: FastifyInstance;
  const logs = new LogCapture();

  beforeAll(async () => {
    testDb = await createTestDatabase('sqlite', { env: { LOG_LEVEL: 'info', LOG_FORMAT: 'pretty' } });
    app = await buildTestApp(testDb, { logStream: logs });
  });
  afterAll(async () => {
    await app.close();
    await testDb.cleanup();
  });

  it('prints one human line per request, with link tokens redacted, and no JSON', async () => {
    const from = logs.lines.length;
    await app.inject({ method: 'GET', url: '/api/health/live' });
    await app.inject({ method: 'GET', url: '/reset-password?token=secret-token-123&x=1' });
    await app.inject({ method: 'POST', url: '/api/auth/login', payload: {} });
    await vi.waitFor(() => expect(logs.lines.length - from).toBeGreaterThanOrEqual(3));
    const lines = logs.lines.slice(from);
    expect(lines.map((line) => REQUEST_LINE.exec(line)?.slice(1, 4))).toEqual([
      ['GET', '/api/health/live', '200'],
      ['GET', '/reset-password?token=[redacted]&x=1', '404'],
      ['POST', '/api/auth/login', '400'],
    ]);
    expect(logs.text).not.toContain('secret-token-123');
    expect(logs.text).not.toMatch(/incoming request|request completed|^\{/m);
  });
});

describe('the dev outbox', () => {
  it('frames each email with its links between rules, apart from the log lines', () => {
    const text = framedEmailNotice({
      to: 'ada@example.com',
      subject: 'Confirm your email for Parley',
      links: ['http://localhost:8080/verify-email?token=v4.public.abc'],
      file: '/data/outbox/1.eml',
    });
    const lines = text.split('\n');
    expect(lines[0]).toMatch(/^─── Email \(dev outbox\) ─+$/);
    expect(lines).toContain(' Link:    http://localhost:8080/verify-email?token=v4.public.abc');
    expect(lines).toContain(' To:      ada@example.com');
    expect(lines.at(-2)).toMatch(/^─+$/);
    expect(lines[0]?.length).toBe(lines.at(-2)?.length);
    expect(text.endsWith('\n')).toBe(true);
  });

  it('prints the frame through its notice, whatever its logger lets through', async () => {
    const printed: string[] = [];
    const mailer = createOutboxMailer({
      dir: path.join(mkdtempSync(path.join(tmpdir(), 'parley-outbox-')), 'outbox'),
      from: 'Parley <no-reply@localhost>',
      log: { info: () => undefined },
      notice: (text) => printed.push(text),
    });
    await mailer.send({
      to: 'ada@example.com',
      subject: 'Reset your Parley password',
      text: 'Choose a new password: http://localhost:8080/reset-password?token=t1',
      html: '<p>…</p>',
    });
    expect(printed).toHaveLength(1);
    expect(printed[0]).toContain(' Link:    http://localhost:8080/reset-password?token=t1');
  });
});

describe('npm start on a laptop (the server process with the dev outbox)', () => {
  const running: ServerProcess[] = [];
  afterEach(() => {
    for (const server of running.splice(0)) server.child.kill('SIGKILL');
  });

  it('shows a newcomer the verification link in a frame even with LOG_LEVEL=warn', async () => {
    const port = await freePort();
    const server = spawnServer({
      PORT: String(port),
      HOST: '127.0.0.1',
      DATA_DIR: mkdtempSync(path.join(tmpdir(), 'parley-devlog-')),
      LOG_LEVEL: 'warn',
      LOG_FORMAT: 'pretty',
    });
    running.push(server);
    await server.waitForOutput(/Parley is running at/);
    const response = await fetch(`http://127.0.0.1:${port}/api/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: `http://localhost:${port}` },
      body: JSON.stringify({
        email: 'newcomer@example.com',
        password: 'violet-harbor-lantern-42',
        displayName: 'New',
      }),
    });
    expect(response.status).toBe(202);
    await server.waitForOutput(
      / Link: +http:\/\/localhost:\d+\/verify-email\?token=\S+\n File: +\S+\.eml\n─+\n/,
    );
    const output = server.output();
    expect(output).toMatch(/─── Email \(dev outbox\) ─+\n To: +newcomer@example\.com\n/);
    // Info lines (requests, the outbox's own log line) stay below LOG_LEVEL=warn; nothing is JSON.
    expect(output).not.toMatch(/POST \/api\/auth\/register 202|email written to the dev outbox|^\{/m);
  });
});

import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll } from 'vitest';
import { type SmtpCapture, startSmtpCapture } from '../../../../scripts/services/smtp-capture.js';
import { buildTestApp } from './app.js';
import { createTestDatabase, type TestDatabase, type TestDbKind } from './database.js';

export interface MailApp {
  readonly smtp: SmtpCapture;
  readonly testDb: TestDatabase;
  readonly app: FastifyInstance;
}

/**
 * The usual set-up of an API test file, per dialect: a real SMTP capture, a fresh database of `kind`
 * whose app sends mail to it (plus `env`), and the app on an injected clock; all closed after the file.
 * `ready` receives them once started (tests keep them in their own variables).
 */
export function withMailApp(
  kind: TestDbKind,
  options: { now: () => Date; env?: Readonly<Record<string, string>> },
  ready: (started: MailApp) => void,
): void {
  let smtp: SmtpCapture | undefined;
  let testDb: TestDatabase | undefined;
  let app: FastifyInstance | undefined;
  beforeAll(async () => {
    smtp = await startSmtpCapture();
    testDb = await createTestDatabase(kind, { env: { SMTP_URL: smtp.url, ...options.env } });
    app = await buildTestApp(testDb, { now: options.now });
    ready({ smtp, testDb, app });
  });
  afterAll(async () => {
    await app?.close();
    await testDb?.cleanup();
    await smtp?.stop();
  });
}

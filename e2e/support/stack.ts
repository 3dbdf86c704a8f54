import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from '../../scripts/services/free-port.js';
import { spawnServer } from '../../scripts/services/parley-server.js';
import { type SmtpCapture, startSmtpCapture } from '../../scripts/services/smtp-capture.js';

export interface Stack {
  /** Where the browser opens the app; also the server's PUBLIC_URL, so email links point here. */
  readonly baseUrl: string;
  /** Every email the server sent, as a mailbox would receive it. */
  readonly mail: SmtpCapture;
  stop(): Promise<void>;
}

/**
 * A real SMTP capture server and the real Parley server (SQLite in a temp dir) sending mail to it;
 * `env` adds or overrides server settings (e.g. short token lifetimes for an expiry test).
 */
export async function startStack(env: Record<string, string> = {}): Promise<Stack> {
  const mail = await startSmtpCapture();
  const port = await freePort();
  const dataDir = mkdtempSync(path.join(tmpdir(), 'parley-e2e-'));
  const baseUrl = `http://localhost:${port}`;
  const server = spawnServer({
    PORT: String(port),
    HOST: '127.0.0.1',
    PUBLIC_URL: baseUrl,
    DATA_DIR: dataDir,
    SMTP_URL: mail.url,
    LOG_LEVEL: 'warn',
    ...env,
  });
  try {
    await server.waitForOutput(/Parley is running at/, 60_000);
  } catch (error) {
    server.child.kill('SIGKILL');
    await mail.stop();
    throw error;
  }
  return {
    baseUrl,
    mail,
    async stop() {
      server.child.kill('SIGTERM');
      await server.exited;
      await mail.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from '../../scripts/services/free-port.js';
import { type ServerProcess, spawnServer } from '../../scripts/services/parley-server.js';
import { type SmtpCapture, startSmtpCapture } from '../../scripts/services/smtp-capture.js';

export interface Stack {
  /** Where the browser opens the app; also the server's PUBLIC_URL, so email links point here. */
  readonly baseUrl: string;
  /** Every email the server sent, as a mailbox would receive it. */
  readonly mail: SmtpCapture;
  /** Stops the server only (the data and the mail capture stay): the app is now unreachable. */
  stopServer(): Promise<void>;
  /** Starts the server again on the same port and data after `stopServer`. */
  startServer(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * A real SMTP capture server and the real Parley server (SQLite in a temp dir) sending mail to it.
 * `env` adds or overrides server variables, e.g. small `LIMIT_*` values for a rate-limit test.
 */
export async function startStack(env: Readonly<Record<string, string>> = {}): Promise<Stack> {
  const mail = await startSmtpCapture();
  const port = await freePort();
  const dataDir = mkdtempSync(path.join(tmpdir(), 'parley-e2e-'));
  const baseUrl = `http://localhost:${port}`;
  const env0 = {
    PORT: String(port),
    HOST: '127.0.0.1',
    PUBLIC_URL: baseUrl,
    DATA_DIR: dataDir,
    SMTP_URL: mail.url,
    LOG_LEVEL: 'warn',
    ...env,
  };
  const launch = async (): Promise<ServerProcess> => {
    const started = spawnServer(env0);
    try {
      await started.waitForOutput(/Parley is running at/, 60_000);
      return started;
    } catch (error) {
      started.child.kill('SIGKILL');
      throw error;
    }
  };
  let server: ServerProcess | undefined;
  try {
    server = await launch();
  } catch (error) {
    await mail.stop();
    throw error;
  }
  const stopServer = async () => {
    const running = server;
    server = undefined;
    if (!running) return;
    running.child.kill('SIGTERM');
    await running.exited;
  };
  return {
    baseUrl,
    mail,
    stopServer,
    async startServer() {
      if (server) throw new Error('the server is already running');
      server = await launch();
    },
    async stop() {
      await stopServer();
      await mail.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

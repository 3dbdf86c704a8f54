import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';
import { freePort } from '../../scripts/services/free-port.js';
import { type ServerProcess, spawnServer } from '../../scripts/services/parley-server.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Base URL of the Parley server the browser tests drive. */
    baseUrl: string;
  }
}

const root = fileURLToPath(new URL('../..', import.meta.url));

/** Builds the SPA as `npm start` does and runs the real server on a fresh data directory. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  execFileSync('npm', ['run', 'build', '-w', '@parley/web'], { cwd: root, stdio: 'ignore' });
  const port = await freePort();
  const server: ServerProcess = spawnServer({
    PORT: String(port),
    HOST: '127.0.0.1',
    DATA_DIR: mkdtempSync(path.join(tmpdir(), 'parley-e2e-')),
    LOG_LEVEL: 'warn',
  });
  try {
    await server.waitForOutput(/Parley is running at/);
  } catch (error) {
    server.child.kill('SIGKILL');
    throw error;
  }
  project.provide('baseUrl', `http://localhost:${port}`);
  return async () => {
    server.child.kill('SIGTERM');
    await server.exited;
  };
}

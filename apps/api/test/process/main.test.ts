import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../../../../scripts/services/free-port.js';
import { type ServerProcess, spawnServer } from '../../../../scripts/services/parley-server.js';
import { migrations } from '../../src/db/migrations/index.js';

describe('the server process', () => {
  const running: ServerProcess[] = [];
  afterEach(() => {
    for (const server of running.splice(0)) server.child.kill('SIGKILL');
  });

  async function start(env: Record<string, string>) {
    const server = spawnServer(env);
    running.push(server);
    await server.waitForOutput(/Parley is running at/);
    return server;
  }

  it('exits with status 1 naming every bad variable', async () => {
    const server = spawnServer({ PORT: 'x', LOG_LEVEL: 'chatty', CORS_ORIGINS: '*' });
    running.push(server);
    expect(await server.exited).toBe(1);
    const output = server.output();
    for (const name of ['PORT', 'LOG_LEVEL', 'CORS_ORIGINS']) expect(output).toContain(`${name}:`);
    expect(output).not.toMatch(/at .*\.ts:\d+/);
  });

  it('starts on embedded defaults, reuses its data, and shuts down gracefully on SIGTERM and SIGINT', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'parley-main-'));
    const port = await freePort();
    const env = { PORT: String(port), DATA_DIR: dataDir, HOST: '127.0.0.1' };

    const first = await start(env);
    expect(first.output()).toContain(`Parley is running at http://localhost:${port}/`);
    expect(first.output()).toContain(`"applied":${JSON.stringify(Object.keys(migrations))}`);
    expect(statSync(path.join(dataDir, 'parley.db')).mode & 0o777).toBe(0o600);
    const ready = await fetch(`http://127.0.0.1:${port}/api/health/ready`);
    expect(ready.status).toBe(200);

    // Data written between runs must survive the restart.
    const file = new Database(path.join(dataDir, 'parley.db'));
    file
      .prepare(
        `insert into users (id, email, password_hash, display_name, created_at, updated_at)
         values ('keep', 'keep@example.com', 'h', 'Keep', '2026-01-01 00:00:00.000', '2026-01-01 00:00:00.000')`,
      )
      .run();
    file.close();

    first.child.kill('SIGTERM');
    // Exit 0 means the close finished inside close-with-grace's 10 s window (it exits 1 otherwise).
    expect(await first.exited).toBe(0);
    expect(first.output()).toContain('"msg":"closed"');

    const second = await start(env);
    expect(second.output()).toContain('"applied":[]');
    second.child.kill('SIGINT');
    expect(await second.exited).toBe(0);

    const reopened = new Database(path.join(dataDir, 'parley.db'), { readonly: true });
    expect(reopened.prepare(`select email from users where id = 'keep'`).get()).toEqual({
      email: 'keep@example.com',
    });
    reopened.close();
  });
});

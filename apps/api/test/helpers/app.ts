import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.js';
import type { TestDatabase } from './database.js';

/** A stand-in for `vite build` output so SPA serving is tested without building the web app. */
export function fakeWebDist(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'parley-web-'));
  mkdirSync(path.join(dir, 'assets'));
  writeFileSync(
    path.join(dir, 'index.html'),
    '<!doctype html><html><head><script type="module" src="/assets/app.js"></script></head><body>SPA</body></html>',
  );
  writeFileSync(path.join(dir, 'assets', 'app.js'), 'console.log("app");');
  return dir;
}

/** Collects the JSON log lines an app writes. */
export class LogCapture extends Writable {
  readonly lines: string[] = [];
  override _write(chunk: Buffer, _encoding: string, callback: () => void): void {
    this.lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    callback();
  }
  get text(): string {
    return this.lines.join('\n');
  }
}

export async function buildTestApp(
  testDb: TestDatabase,
  options: { logStream?: LogCapture; extend?: (app: FastifyInstance) => void } = {},
): Promise<FastifyInstance> {
  const app = await buildApp({
    config: testDb.config,
    database: testDb.database,
    ...(options.logStream ? { logStream: options.logStream } : {}),
  });
  options.extend?.(app);
  await app.ready();
  return app;
}

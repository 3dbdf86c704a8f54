import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { createServer } from '../../src/composition.js';
import type { Config } from '../../src/config.js';
import type { Presence } from '../../src/modules/presence/presence.service.js';
import type { Platform, PlatformLog, PlatformOverrides } from '../../src/platform/platform.js';
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

const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

export interface TestAppOptions {
  logStream?: LogCapture;
  extend?: (app: FastifyInstance) => void;
  /** A controllable clock shared by the app and its token service. */
  now?: () => Date;
  platform?: PlatformOverrides;
  /** Settings for this instance only (e.g. a different WebSocket heartbeat per instance). */
  config?: Partial<Config>;
  /** Receives the platform's log lines (e.g. the Redis bus health) instead of dropping them. */
  platformLog?: PlatformLog;
}

const platforms = new WeakMap<FastifyInstance, Platform>();
const presences = new WeakMap<FastifyInstance, Presence>();

/** The presence service of an app built by buildTestApp (to call what the lead wires, drive sweeps). */
export function presenceOf(app: FastifyInstance): Presence {
  const presence = presences.get(app);
  if (!presence) throw new Error('not an app from buildTestApp');
  return presence;
}

/** The adapters of an app built by buildTestApp (its mail queue, blob store, …). */
export function platformOf(app: FastifyInstance): Platform {
  const platform = platforms.get(app);
  if (!platform) throw new Error('not an app from buildTestApp');
  return platform;
}

/**
 * The real app over a test database, built by the same composition root as `main.ts`, with the
 * platform its config selects (local keyrings in DATA_DIR). The test database outlives the app.
 */
export async function buildTestApp(
  testDb: TestDatabase,
  options: TestAppOptions = {},
): Promise<FastifyInstance> {
  const config: Config = options.config ? { ...testDb.config, ...options.config } : testDb.config;
  const { app, platform, presence } = await createServer({
    config,
    database: testDb.database,
    platformLog: options.platformLog ?? quiet,
    // The dev outbox's framed links would land in the test output.
    platform: { notice: () => undefined, ...options.platform },
    ...(options.now ? { now: options.now } : {}),
    ...(options.logStream ? { logStream: options.logStream } : {}),
  });
  platforms.set(app, platform);
  presences.set(app, presence);
  options.extend?.(app);
  await app.ready();
  return app;
}

import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildTestApp } from '../helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';

describe('closing the app', () => {
  let testDb: TestDatabase;
  let app: FastifyInstance;
  let release: () => void = () => undefined;
  /** Resolves when the slow request has reached its handler (it then waits for `release`). */
  let arrived: Promise<void>;

  beforeAll(async () => {
    testDb = await createTestDatabase('sqlite');
    let signalArrival: () => void = () => undefined;
    arrived = new Promise<void>((resolve) => {
      signalArrival = resolve;
    });
    app = await buildTestApp(testDb, {
      extend: (instance) =>
        instance.get('/api/test/slow', async () => {
          await new Promise<void>((resolve) => {
            release = resolve;
            signalArrival();
          });
          return { finished: true };
        }),
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await testDb.cleanup();
  });

  it('finishes in-flight requests and stops accepting new ones', async () => {
    const { port } = app.server.address() as AddressInfo;
    const base = `http://127.0.0.1:${port}`;
    const inFlight = fetch(`${base}/api/test/slow`);
    await arrived;

    const closing = app.close();
    // Closing runs its hooks first, then closes the listening socket: wait for that, not for a time.
    await vi.waitFor(() => expect(app.server.listening).toBe(false), { timeout: 10_000, interval: 5 });
    await expect(fetch(`${base}/api/health/live`)).rejects.toThrow();

    release();
    const response = await inFlight;
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ finished: true });
    await closing;
  });
});

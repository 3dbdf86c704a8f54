import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp } from '../helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';

describe('closing the app', () => {
  let testDb: TestDatabase;
  let app: FastifyInstance;
  let release: (() => void) | undefined;

  beforeAll(async () => {
    testDb = await createTestDatabase('sqlite');
    app = await buildTestApp(testDb, {
      extend: (instance) =>
        instance.get('/api/test/slow', async () => {
          await new Promise<void>((resolve) => {
            release = resolve;
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
    while (!release) await new Promise((resolve) => setTimeout(resolve, 20));

    const closing = app.close();
    await new Promise((resolve) => setTimeout(resolve, 100));
    await expect(fetch(`${base}/api/health/live`)).rejects.toThrow();

    release();
    const response = await inFlight;
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ finished: true });
    await closing;
  });
});

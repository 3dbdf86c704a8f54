import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MariaDbServer, startMariaDb } from '../../../../scripts/services/mariadb.js';
import { buildTestApp } from '../helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';

describe('readiness follows the database through an outage', () => {
  let server: MariaDbServer;
  let testDb: TestDatabase;
  let app: FastifyInstance;

  beforeAll(async () => {
    server = await startMariaDb();
    testDb = await createTestDatabase('mariadb', { adminUrl: server.adminUrl });
    app = await buildTestApp(testDb);
  });
  afterAll(async () => {
    await app?.close();
    await testDb?.cleanup();
    await server?.stop();
  });

  const ready = () => app.inject({ method: 'GET', url: '/api/health/ready' });

  it('is 200, then 503 while MariaDB is down, then 200 again without a restart', async () => {
    expect((await ready()).statusCode).toBe(200);

    await server.kill();
    const down = await ready();
    expect(down.statusCode).toBe(503);
    expect(down.json()).toEqual({
      error: { code: 'service_unavailable', message: 'Database is not reachable' },
    });
    expect((await app.inject({ method: 'GET', url: '/api/health/live' })).statusCode).toBe(200);

    await server.start();
    // The pool drops its dead connections and opens new ones on demand.
    let status = 0;
    for (let attempt = 0; attempt < 20 && status !== 200; attempt += 1) {
      status = (await ready()).statusCode;
      if (status !== 200) await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(status).toBe(200);
  });
});

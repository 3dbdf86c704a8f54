import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, LogCapture } from '../helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';

const SECRETS = {
  bearer: 'v4.public.eyJzdWIiOiJzZWNyZXQtYmVhcmVyIn0',
  cookie: 'parley_session=v4.public.c2VjcmV0LWNvb2tpZQ',
  password: 'correct horse battery staple',
  token: 'reset-token-0123456789',
};

describe('structured logs', () => {
  let testDb: TestDatabase;
  let app: FastifyInstance;
  const logs = new LogCapture();

  beforeAll(async () => {
    testDb = await createTestDatabase('sqlite', { env: { LOG_LEVEL: 'info' } });
    app = await buildTestApp(testDb, {
      logStream: logs,
      extend: (instance) =>
        instance.post('/api/test/log', async (request) => {
          // Simulates a handler logging what it was given, as a careless later change might.
          request.log.info({ body: request.body, password: SECRETS.password }, 'handled');
          throw Object.assign(new Error('boom'), { password: SECRETS.password });
        }),
    });
  });
  afterAll(async () => {
    await app.close();
    await testDb.cleanup();
  });

  it('are JSON lines carrying the request id', async () => {
    const response = await app.inject({ method: 'GET', url: '/api/health/live' });
    const requestId = response.headers['x-request-id'];
    const lines = logs.lines.map((line) => JSON.parse(line));
    expect(lines.some((line) => line.reqId === requestId && line.msg === 'request completed')).toBe(true);
  });

  it('never contain the token or email of a link in a logged URL', async () => {
    await app.inject({ method: 'GET', url: `/reset-password?token=${SECRETS.token}&x=1` });
    await app.inject({ method: 'GET', url: '/api/users/lookup?email=someone%40example.com' });
    expect(logs.text).toContain('/reset-password?token=[redacted]&x=1');
    expect(logs.text).not.toContain(SECRETS.token);
    expect(logs.text).not.toContain('someone%40example.com');
  });

  it('never contain passwords, tokens, cookies or authorization headers', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/api/test/log',
      headers: { authorization: `Bearer ${SECRETS.bearer}`, cookie: SECRETS.cookie },
      payload: {
        password: SECRETS.password,
        token: SECRETS.token,
        nested: { newPassword: SECRETS.password },
      },
    });
    expect(response.statusCode).toBe(500);
    // The client sees no detail of the failure, only where to look it up.
    expect(response.json()).toEqual({
      error: {
        code: 'internal_error',
        message: `Internal error (request id ${response.headers['x-request-id']})`,
      },
    });
    expect(logs.text).toContain('handled');
    expect(logs.text).toContain('[redacted]');
    for (const secret of Object.values(SECRETS)) expect(logs.text).not.toContain(secret);
    expect(logs.text).not.toContain('c2VjcmV0LWNvb2tpZQ');
  });
});

import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { buildTestApp, fakeWebDist } from '../helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';

const ALLOWED = 'https://app.parley.example';

describe('HTTP baseline', () => {
  let testDb: TestDatabase;
  let app: FastifyInstance;

  beforeAll(async () => {
    testDb = await createTestDatabase('sqlite', {
      env: { WEB_DIST_DIR: fakeWebDist(), CORS_ORIGINS: ALLOWED, HTTP_BODY_LIMIT: '2048' },
    });
    app = await buildTestApp(testDb, {
      // A route with a strict body schema, standing in for the real routes of later modules.
      extend: (instance) =>
        instance.withTypeProvider<ZodTypeProvider>().post(
          '/api/test/echo',
          {
            schema: { body: z.strictObject({ name: z.string().min(1).max(10), count: z.number().int() }) },
          },
          async (request) => request.body,
        ),
    });
  });
  afterAll(async () => {
    await app.close();
    await testDb.cleanup();
  });

  it('answers an unknown /api route with a JSON 404', async () => {
    const response = await app.inject({ method: 'GET', url: '/api/does-not-exist' });
    expect(response.statusCode).toBe(404);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    expect(response.json()).toEqual({
      error: { code: 'not_found', message: 'Route GET /api/does-not-exist not found' },
    });
  });

  it('serves index.html for client-side routes, uncached', async () => {
    const response = await app.inject({ method: 'GET', url: '/conversations/abc?x=1' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/html/);
    expect(response.headers['cache-control']).toBe('no-cache');
    expect(response.body).toContain('SPA');
  });

  it('serves hashed assets with a long immutable cache', async () => {
    const response = await app.inject({ method: 'GET', url: '/assets/app.js' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['cache-control']).toBe('public, max-age=31536000, immutable');
  });

  it('does not answer a non-GET outside /api with the SPA', async () => {
    const response = await app.inject({ method: 'POST', url: '/conversations' });
    expect(response.statusCode).toBe(404);
    expect(response.json().error.code).toBe('not_found');
  });

  it('sets strict security headers on every response', async () => {
    for (const url of ['/api/health/live', '/', '/api/nope']) {
      const response = await app.inject({ method: 'GET', url });
      const csp = String(response.headers['content-security-policy']);
      expect(csp).toContain("default-src 'self'");
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("object-src 'none'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).not.toContain('unsafe-inline');
      expect(response.headers['x-content-type-options']).toBe('nosniff');
      expect(response.headers['x-frame-options']).toBe('DENY');
      expect(response.headers['referrer-policy']).toBe('no-referrer');
      expect(response.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
      // PUBLIC_URL is http://localhost here: HSTS would be meaningless and is left out.
      expect(response.headers['strict-transport-security']).toBeUndefined();
    }
  });

  it('gives a CORS allowance to listed origins only, never a wildcard', async () => {
    const allowed = await app.inject({
      method: 'OPTIONS',
      url: '/api/health/live',
      headers: { origin: ALLOWED, 'access-control-request-method': 'POST' },
    });
    expect(allowed.headers['access-control-allow-origin']).toBe(ALLOWED);
    expect(allowed.headers['access-control-allow-credentials']).toBe('true');

    const foreign = await app.inject({
      method: 'OPTIONS',
      url: '/api/health/live',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
    });
    expect(foreign.headers['access-control-allow-origin']).toBeUndefined();

    const simple = await app.inject({
      method: 'GET',
      url: '/api/health/live',
      headers: { origin: 'https://evil.example' },
    });
    expect(simple.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('rejects bodies over the limit with 413 JSON', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/api/health/live',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ filler: 'x'.repeat(4096) }),
    });
    expect(response.statusCode).toBe(413);
    expect(response.json().error.code).toBe('payload_too_large');
  });

  it.each([
    ['malformed JSON', '{"a":', 'application/json', 400, 'validation_failed'],
    [
      'broken UTF-8',
      Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]),
      'application/json',
      400,
      'validation_failed',
    ],
    [
      'an unsupported content type',
      'a=1',
      'application/x-www-form-urlencoded',
      415,
      'unsupported_media_type',
    ],
    [
      'a prototype-poisoning body',
      '{"__proto__":{"admin":true}}',
      'application/json',
      400,
      'validation_failed',
    ],
  ])('rejects %s with a clear 4xx JSON error', async (_name, payload, contentType, status, code) => {
    const response = await app.inject({
      method: 'POST',
      url: '/api/test/echo',
      headers: { 'content-type': contentType },
      payload,
    });
    expect(response.statusCode).toBe(status);
    expect(response.json()).toMatchObject({ error: { code } });
    expect(response.body).not.toMatch(/at .*\.(js|ts):\d+/);
  });

  it('accepts a valid body', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/api/test/echo',
      payload: { name: 'ok', count: 1 },
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ name: 'ok', count: 1 });
  });

  it('lists every bad field and rejects unknown fields', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/api/test/echo',
      payload: { name: 'much too long a name', count: 'one', extra: true },
    });
    expect(response.statusCode).toBe(400);
    const body = response.json();
    expect(body.error.code).toBe('validation_failed');
    const paths = body.error.details.map((issue: { path: string }) => issue.path);
    expect(paths).toEqual(expect.arrayContaining(['body.name', 'body.count', 'body']));
    expect(JSON.stringify(body.error.details)).toContain('extra');
  });

  it('serves an OpenAPI 3.1 document generated from the zod schemas', async () => {
    const response = await app.inject({ method: 'GET', url: '/api/docs' });
    expect(response.statusCode).toBe(200);
    const doc = response.json();
    expect(doc.openapi).toBe('3.1.0');
    expect(
      doc.paths['/api/health/ready'].get.responses['200'].content['application/json'].schema,
    ).toMatchObject({
      type: 'object',
      properties: { status: { enum: ['ok'] } },
    });
  });
});

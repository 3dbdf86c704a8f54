import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OpenApiDocument, renderApiBlocks, updateApiDoc } from '../../../../scripts/api-doc.js';
import { buildTestApp } from '../helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';

const API_DOC = fileURLToPath(new URL('../../../../docs/api.md', import.meta.url));

describe('docs/api.md', () => {
  let testDb: TestDatabase;
  let app: FastifyInstance;
  let openapi: OpenApiDocument;

  beforeAll(async () => {
    testDb = await createTestDatabase('sqlite');
    app = await buildTestApp(testDb);
    openapi = app.swagger() as unknown as OpenApiDocument;
  });
  afterAll(async () => {
    await app?.close();
    await testDb?.cleanup();
  });

  it('is what `npm run docs:api` writes from the routes, the contract and their notes', () => {
    const written = readFileSync(API_DOC, 'utf8');
    const current = updateApiDoc(written, renderApiBlocks(openapi));
    // On failure: run `npm run docs:api` and commit docs/api.md.
    expect(written, 'docs/api.md is stale: run `npm run docs:api`').toBe(current);
  });

  it('covers every route the app registers (the OpenAPI document leaves none out but the WebSocket)', () => {
    const documented = new Set(
      Object.entries(openapi.paths).flatMap(([path, methods]) =>
        Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`),
      ),
    );
    const registered = app.routeTable
      .filter(({ method, url }) => url.startsWith('/api/') && method !== 'HEAD')
      .map(({ method, url }) => `${method} ${url.replace(/:(\w+)/g, '{$1}')}`)
      // The WebSocket has its own section (frames, close codes); /api/docs serves the document itself.
      .filter((key) => key !== 'GET /api/ws' && key !== 'GET /api/docs');
    expect(registered.length).toBeGreaterThan(20);
    expect(registered.filter((key) => !documented.has(key))).toEqual([]);
    expect(readFileSync(API_DOC, 'utf8')).toContain('## WebSocket `/api/ws`');
  });

  it('refuses a route without a note, and a note for a route that is gone', () => {
    const added: OpenApiDocument = {
      paths: { ...openapi.paths, '/api/reports': { post: { tags: ['messages'] } } },
    };
    expect(() => renderApiBlocks(added)).toThrow(/ROUTE_NOTES .*Missing: POST \/api\/reports\./);
    const { '/api/me': _gone, ...rest } = openapi.paths;
    expect(() => renderApiBlocks({ paths: rest })).toThrow(
      /For nothing that exists: GET \/api\/me, PATCH \/api\/me, DELETE \/api\/me\./,
    );
  });

  it('refuses a file that lost or repeated a generated block', () => {
    const blocks = renderApiBlocks(openapi);
    const written = readFileSync(API_DOC, 'utf8');
    const withoutErrors = written.replace(/<!-- api-doc:errors[\s\S]*<!-- \/api-doc:errors -->/, '');
    expect(() => updateApiDoc(withoutErrors, blocks)).toThrow(/blocks missing: \[errors\]/);
    expect(() =>
      updateApiDoc(`${written}\n<!-- api-doc:errors -->\n<!-- /api-doc:errors -->\n`, blocks),
    ).toThrow(/repeated: \[errors\]/);
  });
});

import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BlobNotFoundError,
  BlobTooLargeError,
  BlobTooSlowError,
} from '../../src/platform/blobs/blob-errors.js';
import { errorsPlugin } from '../../src/plugins/errors.plugin.js';

/**
 * The blob adapters throw their own errors and know nothing of HTTP; the one error plugin gives each its
 * contract code, status, details and headers (what the adapters used to build themselves).
 */
describe('platform errors through the error plugin', () => {
  let app: FastifyInstance;

  beforeAll(async () => {
    app = Fastify();
    await app.register(errorsPlugin);
    app.get('/too-large', async () => {
      throw new BlobTooLargeError(1000);
    });
    app.get('/too-slow', async () => {
      throw new BlobTooSlowError(30_000, 30_720);
    });
    app.get('/not-found', async () => {
      throw new BlobNotFoundError();
    });
    await app.ready();
  });
  afterAll(async () => {
    await app.close();
  });

  it('answers a body over its limit with 413 payload_too_large and the limit', async () => {
    const response = await app.inject({ method: 'GET', url: '/too-large' });
    expect(response.statusCode).toBe(413);
    expect(response.json()).toEqual({
      error: {
        code: 'payload_too_large',
        message: 'the body is larger than 1000 bytes',
        details: { maxBytes: 1000 },
      },
    });
  });

  it('answers a body that trickled with 408 request_timeout and closes the connection', async () => {
    const response = await app.inject({ method: 'GET', url: '/too-slow' });
    expect(response.statusCode).toBe(408);
    expect(response.headers.connection).toBe('close');
    expect(response.json()).toEqual({
      error: {
        code: 'request_timeout',
        message: 'The upload was too slow: fewer than 30720 bytes arrived in 30 s',
        details: { windowMs: 30_000, minBytes: 30_720 },
      },
    });
  });

  it('answers a missing blob with 404 not_found', async () => {
    const response = await app.inject({ method: 'GET', url: '/not-found' });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toEqual({ error: { code: 'not_found', message: 'blob not found' } });
  });
});

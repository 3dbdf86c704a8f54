import { existsSync } from 'node:fs';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { sendError } from './errors.plugin.js';

/**
 * Serves the built SPA at `/`: hashed assets cached for a year, everything else revalidated. Unknown
 * `/api/*` paths get a JSON 404; any other GET gets `index.html` so client-side routes deep-link.
 */
export const spaPlugin = fp(
  async (app: FastifyInstance, options: { webDistDir: string }) => {
    const indexFile = path.join(options.webDistDir, 'index.html');
    const built = existsSync(indexFile);
    if (built) {
      await app.register(fastifyStatic, {
        root: options.webDistDir,
        prefix: '/',
        wildcard: false,
        cacheControl: false,
        index: false,
        setHeaders: (res, filePath) => {
          const immutable = filePath.includes(`${path.sep}assets${path.sep}`);
          res.setHeader('Cache-Control', immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
        },
      });
    } else {
      app.log.warn({ webDistDir: options.webDistDir }, 'web app not built; only the API is served');
    }

    app.setNotFoundHandler((request, reply) => {
      const pathname = request.url.split('?')[0] ?? '/';
      const isApi = pathname === '/api' || pathname.startsWith('/api/');
      if (!isApi && built && (request.method === 'GET' || request.method === 'HEAD')) {
        return reply.header('Cache-Control', 'no-cache').sendFile('index.html');
      }
      return sendError(reply, {
        status: 404,
        code: 'not_found',
        message: `Route ${request.method} ${pathname} not found`,
      });
    });
  },
  { name: 'parley-spa' },
);

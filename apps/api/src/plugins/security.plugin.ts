import cors from '@fastify/cors';
import helmet from '@fastify/helmet';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Config } from '../config.js';
import { AppError } from '../errors.js';

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** Origins a browser may call the API from: PUBLIC_URL's own origin plus CORS_ORIGINS. */
export function allowedOrigins(config: Config): ReadonlySet<string> {
  return new Set([config.publicUrl.origin, ...config.corsOrigins]);
}

/**
 * Security headers (helmet, strict CSP the SPA runs under), the CORS allowlist, and a JSON parser that
 * rejects broken UTF-8 instead of silently replacing it with U+FFFD.
 */
export const securityPlugin = fp(
  async (app: FastifyInstance, options: { config: Config }) => {
    const { config } = options;
    const https = config.publicUrl.protocol === 'https:';
    await app.register(helmet, {
      contentSecurityPolicy: {
        useDefaults: false,
        directives: {
          defaultSrc: ["'self'"],
          scriptSrc: ["'self'"],
          styleSrc: ["'self'"],
          imgSrc: ["'self'", 'data:', 'blob:'],
          fontSrc: ["'self'"],
          connectSrc: ["'self'"],
          mediaSrc: ["'self'", 'blob:'],
          objectSrc: ["'none'"],
          baseUri: ["'none'"],
          formAction: ["'self'"],
          frameAncestors: ["'none'"],
          ...(https ? { upgradeInsecureRequests: [] } : {}),
        },
      },
      // HSTS only means something over HTTPS; on http://localhost it would only confuse the browser.
      strictTransportSecurity: https ? { maxAge: 31_536_000, includeSubDomains: true } : false,
      crossOriginEmbedderPolicy: false,
      referrerPolicy: { policy: 'no-referrer' },
      xFrameOptions: { action: 'deny' },
    });

    const origins = allowedOrigins(config);
    await app.register(cors, {
      // A function, never '*': credentials are allowed, so only listed origins get CORS headers.
      origin: (origin, callback) => callback(null, origin !== undefined && origins.has(origin)),
      credentials: true,
      methods: ['GET', 'HEAD', 'POST', 'PATCH', 'DELETE'],
      allowedHeaders: ['Content-Type', 'Authorization', 'X-Request-Id'],
      // Bearer clients on another allowed origin read re-issued tokens and rate-limit waits.
      exposedHeaders: ['X-Parley-Token', 'Retry-After'],
      maxAge: 600,
    });

    const parseJson = app.getDefaultJsonParser('error', 'error');
    app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
      let text: string;
      try {
        text = strictUtf8.decode(body as Buffer);
      } catch {
        done(new AppError('validation_failed', 'Body is not valid UTF-8'), undefined);
        return;
      }
      parseJson(request, text, done);
    });
  },
  { name: 'parley-security' },
);

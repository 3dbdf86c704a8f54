import swagger from '@fastify/swagger';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod';

/** Collects every route's zod schemas into an OpenAPI 3.1 document (served by `GET /api/docs`). */
export const docsPlugin = fp(
  async (app: FastifyInstance) => {
    await app.register(swagger, {
      openapi: {
        openapi: '3.1.0',
        info: {
          title: 'Parley API',
          description: [
            'Secure, real-time messaging. JSON over HTTPS under /api; one WebSocket at /api/ws.',
            '',
            'WebSocket close codes: 4001 `session_revoked` (sent after a `{ "type": "session_revoked" }`',
            'frame: the session ended — logout, logout everywhere, ended from the sessions page, password',
            'change or reset, account deletion, operator revocation or signing-key retirement; sign in',
            'again), 4002 `session_expired` (after `{ "type": "session_expired" }`: the token the socket',
            'authenticated with expired; refresh the session, e.g. `GET /api/me` re-issues the cookie,',
            'then reconnect and `resume`; sign in again if that answers 401), 4401 (no valid',
            'authentication within 5 s), 1009 (frame over 64 KiB). `ready` carries `expiresAt`, when the',
            "socket's token expires; refresh the session before then.",
          ].join('\n'),
          version: '1.0.0',
        },
        components: {
          securitySchemes: {
            bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'PASETO v4.public' },
          },
        },
      },
      transform: jsonSchemaTransform,
      transformObject: jsonSchemaTransformObject,
    });
  },
  { name: 'parley-docs' },
);

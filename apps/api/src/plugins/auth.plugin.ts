import cookie from '@fastify/cookie';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Config } from '../config.js';
import { AppError } from '../errors.js';
import type { AuthDeps } from '../modules/auth/auth.context.js';
import { type AuthContext, authenticate } from '../modules/auth/session.service.js';
import type { IssuedToken } from '../platform/tokens/token.types.js';
import { allowedOrigins } from './security.plugin.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The signed-in user and session, when the request carried a valid session token. */
    auth: AuthContext | undefined;
  }
  interface FastifyInstance {
    authDeps: AuthDeps;
    /** preHandler for routes that need a signed-in user: 401 otherwise. */
    requireAuth(request: FastifyRequest): Promise<void>;
    /** Sets the session cookie for a freshly issued token. */
    setSessionCookie(reply: FastifyReply, token: IssuedToken): void;
    clearSessionCookie(reply: FastifyReply): void;
  }
}

const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** `__Host-` only over HTTPS: browsers refuse the prefix without Secure, which localhost HTTP can't set. */
export function sessionCookieName(config: Config): string {
  return config.publicUrl.protocol === 'https:' ? '__Host-parley_session' : 'parley_session';
}

function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (!header) return undefined;
  const match = /^Bearer ([A-Za-z0-9._~+/=-]+)$/.exec(header);
  return match?.[1];
}

/**
 * Authentication and CSRF for every `/api` request. A session token comes from the session cookie or an
 * `Authorization: Bearer` header. State-changing requests from a foreign Origin are refused, and so are
 * cookie-authenticated ones without any Origin (browsers always send it on such requests).
 */
export const authPlugin = fp(
  async (app: FastifyInstance, options: { config: Config; deps: AuthDeps }) => {
    const { config, deps } = options;
    const secure = config.publicUrl.protocol === 'https:';
    const cookieName = sessionCookieName(config);
    const origins = allowedOrigins(config);
    await app.register(cookie);

    app.decorate('authDeps', deps);
    app.decorateRequest('auth', undefined);
    app.decorate('setSessionCookie', (reply: FastifyReply, token: IssuedToken) => {
      reply.setCookie(cookieName, token.token, {
        httpOnly: true,
        secure,
        sameSite: 'lax',
        path: '/',
        expires: token.expiresAt,
      });
    });
    app.decorate('clearSessionCookie', (reply: FastifyReply) => {
      reply.clearCookie(cookieName, { httpOnly: true, secure, sameSite: 'lax', path: '/' });
    });
    app.decorate('requireAuth', async (request: FastifyRequest) => {
      if (!request.auth) throw new AppError('unauthenticated', 'Sign in to continue');
    });

    app.addHook('onRequest', async (request, reply) => {
      // The matched route, not the raw URL: "/%61pi/…" is routed to /api/… and must be checked the same.
      const route = request.routeOptions.url;
      if (route === undefined || !route.startsWith('/api/')) return;
      const bearer = bearerToken(request);
      const cookieToken = bearer ? undefined : request.cookies[cookieName];
      if (UNSAFE_METHODS.has(request.method)) {
        const origin = request.headers.origin;
        if (origin !== undefined && !origins.has(origin)) {
          throw new AppError('forbidden', 'Cross-origin request refused');
        }
        if (origin === undefined && cookieToken !== undefined) {
          throw new AppError('forbidden', 'Cross-origin request refused: Origin header missing');
        }
      }
      const token = bearer ?? cookieToken;
      if (!token) return;
      const auth = await authenticate(deps, token);
      if (!auth) {
        if (cookieToken) app.clearSessionCookie(reply);
        return;
      }
      request.auth = auth;
      if (auth.reissued) {
        if (cookieToken) app.setSessionCookie(reply, auth.reissued);
        else reply.header('x-parley-token', auth.reissued.token);
      }
    });
  },
  { name: 'parley-auth', dependencies: ['parley-security'] },
);

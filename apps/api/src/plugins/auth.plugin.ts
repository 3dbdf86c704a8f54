import cookie from '@fastify/cookie';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Config } from '../config.js';
import { AppError } from '../errors.js';
import { mfaEnrolmentRequired, type SessionAuthenticator, signedIn } from '../http/auth.js';
import type { IssuedToken } from '../platform/tokens/token.types.js';
import { allowedOrigins } from './security.plugin.js';

const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** `__Host-` only over HTTPS: browsers refuse the prefix without Secure, which localhost HTTP can't set. */
function sessionCookieName(config: Config): string {
  return config.publicUrl.protocol === 'https:' ? '__Host-parley_session' : 'parley_session';
}

function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (!header) return undefined;
  const match = /^Bearer ([A-Za-z0-9._~+/=-]+)$/.exec(header);
  return match?.[1];
}

export interface AuthPluginOptions {
  config: Config;
  /** From the composition root (modules/auth `authenticate`): this plugin knows no session store. */
  authenticate: SessionAuthenticator;
}

/**
 * Authentication and CSRF for every `/api` request, and the declared interface of http/auth.ts. A
 * session token comes from the session cookie or an `Authorization: Bearer` header. State-changing
 * requests from a foreign Origin are refused, and so are cookie-authenticated ones without any Origin
 * (browsers always send it on such requests); `sameOrigin` applies the same check to the WebSocket upgrade.
 */
export const authPlugin = fp(
  async (app: FastifyInstance, options: AuthPluginOptions) => {
    const { config, authenticate } = options;
    const secure = config.publicUrl.protocol === 'https:';
    const cookieName = sessionCookieName(config);
    const origins = allowedOrigins(config);
    await app.register(cookie);

    /** The one Origin check: a foreign Origin, or none on a request that carries the session cookie. */
    const refuseForeignOrigin = (request: FastifyRequest, cookieSent: boolean, what: string) => {
      const origin = request.headers.origin;
      if (origin !== undefined && !origins.has(origin)) {
        throw new AppError('forbidden', `Cross-origin ${what} refused`);
      }
      if (origin === undefined && cookieSent) {
        throw new AppError('forbidden', `Cross-origin ${what} refused: Origin header missing`);
      }
    };

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
      const auth = signedIn(request.auth);
      if (auth.mfaEnrolmentRequired && request.routeOptions.config.duringMfaEnrolment !== true) {
        throw mfaEnrolmentRequired();
      }
    });
    app.decorate('sameOrigin', (what: string) => async (request: FastifyRequest) => {
      refuseForeignOrigin(request, request.cookies[cookieName] !== undefined, what);
    });

    app.addHook('onRequest', async (request, reply) => {
      // The matched route, not the raw URL: "/%61pi/…" is routed to /api/… and must be checked the same.
      const route = request.routeOptions.url;
      if (route === undefined || !route.startsWith('/api/')) return;
      const bearer = bearerToken(request);
      const cookieToken = bearer ? undefined : request.cookies[cookieName];
      if (UNSAFE_METHODS.has(request.method))
        refuseForeignOrigin(request, cookieToken !== undefined, 'request');
      const token = bearer ?? cookieToken;
      if (!token) return;
      const auth = await authenticate(token);
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

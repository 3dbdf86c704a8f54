import type { onRequestAsyncHookHandler } from 'fastify';
import type { Selectable } from 'kysely';
import type { UsersTable } from '../db/schema.js';
import { AppError } from '../errors.js';
import type { IssuedToken } from '../platform/tokens/token.types.js';

/**
 * The auth plugin's declared interface (plugins/auth.plugin.ts implements it; modules/auth supplies the
 * authenticator through the composition root). Route files and the WebSocket route import this file,
 * never the plugin.
 */

/** Who is making a request, once their session token checked out. */
export interface AuthContext {
  readonly userId: string;
  readonly sessionId: string;
  readonly user: Selectable<UsersTable>;
  /**
   * The presented token: its signing key, expiry and generation (a WebSocket closes when the key is
   * gone, and asks for a refresh when the token expired or a re-authentication replaced its generation).
   */
  readonly token: { readonly kid: string; readonly expiresAt: Date; readonly generation: string | null };
  /** A fresh token when the presented one was old enough to replace. */
  readonly reissued: IssuedToken | undefined;
  /** When this session last signed in or re-authenticated (sensitive actions need it recent). */
  readonly reauthenticatedAt: Date | undefined;
}

/** Checks a presented session token against its server-side session; undefined for any failure. */
export type SessionAuthenticator = (token: string) => Promise<AuthContext | undefined>;

declare module 'fastify' {
  interface FastifyRequest {
    /** The signed-in user and session, when the request carried a valid session token. */
    auth: AuthContext | undefined;
  }
  interface FastifyInstance {
    /** onRequest hook for routes that need a signed-in user: 401 otherwise. */
    requireAuth(request: FastifyRequest): Promise<void>;
    /**
     * onRequest hook for a route that must be called from an allowed origin whatever its method (the
     * WebSocket upgrade): the same check every state-changing `/api` request gets. `what` names the
     * request in the 403 message.
     */
    sameOrigin(what: string): onRequestAsyncHookHandler;
    /** Sets the session cookie for a freshly issued token. */
    setSessionCookie(reply: FastifyReply, token: IssuedToken): void;
    clearSessionCookie(reply: FastifyReply): void;
  }
}

/** Narrows `request.auth` in a route behind `requireAuth`. */
export function signedIn(auth: AuthContext | undefined): AuthContext {
  if (!auth) throw new AppError('unauthenticated', 'Sign in to continue');
  return auth;
}

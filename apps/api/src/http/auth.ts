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
  /**
   * REQUIRE_MFA is on and the account has no second factor: only routes marked
   * `config: { duringMfaEnrolment: true }` (setting one up, and what that needs) are open to it.
   */
  readonly mfaEnrolmentRequired: boolean;
}

/** Refused to a signed-in account that must set up a second factor first (REQUIRE_MFA). */
export const mfaEnrolmentRequired = () =>
  new AppError(
    'mfa_enrollment_required',
    'Set up two-step sign-in (an authenticator app or a passkey) under Settings → Security first',
  );

/** Checks a presented session token against its server-side session; undefined for any failure. */
export type SessionAuthenticator = (token: string) => Promise<AuthContext | undefined>;

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Open to a signed-in account that REQUIRE_MFA sends to set up a second factor first. */
    duringMfaEnrolment?: boolean;
  }
  interface FastifyRequest {
    /** The signed-in user and session, when the request carried a valid session token. */
    auth: AuthContext | undefined;
  }
  interface FastifyInstance {
    /**
     * onRequest hook for routes that need a signed-in user: 401 otherwise; 403 `mfa_enrollment_required`
     * when REQUIRE_MFA wants a second factor first and the route is not marked `duringMfaEnrolment`.
     */
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

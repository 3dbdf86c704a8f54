import {
  ChangePasswordBody,
  EmailOnlyBody,
  ErrorBody,
  LoginBody,
  LoginMfaBody,
  LoginResponse,
  LoginResult,
  PasskeyAuthenticationOptions,
  PasskeyOptionsBody,
  PasskeySignInBody,
  ReauthenticateBody,
  RegisterBody,
  ResetPasswordBody,
  UserEnvelope,
  VerifyEmailBody,
} from '@parley/contract';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { signedIn } from '../../http/auth.js';
import { presentUser } from '../users/user.presenter.js';
import {
  changePassword,
  forgotPassword,
  register,
  resendVerification,
  resetPassword,
  verifyEmail,
} from './account.service.js';
import type { AuthDeps } from './auth.context.js';
import { AUTH_LIMITS } from './auth.limits.js';
import { answerMfaChallenge, openChallengeUser } from './mfa/mfa-challenge.js';
import {
  secondStepPasskeyOptions,
  signInWithPasskey,
  startPasskeyReauthentication,
  startPasskeySignIn,
} from './passkeys/passkey.service.js';
import { reauthenticate, recentAuthentication, renewSessionToken } from './reauthentication.js';
import { requestOrigin } from './request-origin.js';
import { login, logout, logoutEverywhere, startSession } from './session.service.js';

const Accepted = z.null().describe('Accepted; the same answer whether or not the account exists');
const NoContent = z.null().describe('Done');
const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 429: ErrorBody };

/** Accounts and sessions (docs/api.md). Rate limits and the authorization rule of each route sit beside it. */
export const authRoutes: FastifyPluginAsyncZod<{ deps: AuthDeps }> = async (app, { deps }) => {
  const recent = recentAuthentication(deps);
  // Public, rate-limited per IP.
  app.post(
    '/auth/register',
    {
      schema: { tags: ['auth'], body: RegisterBody, response: { 202: Accepted, ...errors } },
      preHandler: app.limit(AUTH_LIMITS.registerPerIp),
    },
    async (request, reply) => {
      await register(deps, { ...request.body, origin: requestOrigin(request) });
      return reply.code(202).send(null);
    },
  );

  // Public: the signed, single-use token proves the mailbox, the password picks the registration.
  app.post(
    '/auth/verify-email',
    {
      schema: { tags: ['auth'], body: VerifyEmailBody, response: { 200: UserEnvelope, ...errors } },
      preHandler: app.limit(AUTH_LIMITS.tokenPerIp),
    },
    async (request) => ({
      user: presentUser(await verifyEmail(deps, { ...request.body, origin: requestOrigin(request) })),
    }),
  );

  // Public, rate-limited per email and per IP.
  app.post(
    '/auth/resend-verification',
    {
      schema: { tags: ['auth'], body: EmailOnlyBody, response: { 202: Accepted, ...errors } },
      preHandler: app.limit(AUTH_LIMITS.emailPerAddress, AUTH_LIMITS.emailPerIp),
    },
    async (request, reply) => {
      await resendVerification(deps, request.body.email);
      return reply.code(202).send(null);
    },
  );

  // Public, rate-limited per account+IP and per IP. With a second factor: a challenge and no cookie.
  // A session the request carried is replaced by the new one.
  app.post(
    '/auth/login',
    {
      schema: { tags: ['auth'], body: LoginBody, response: { 200: LoginResult, ...errors } },
      preHandler: app.limit(AUTH_LIMITS.loginPerAccountAndIp, AUTH_LIMITS.loginPerIp),
    },
    async (request, reply) => {
      const result = await login(deps, {
        ...request.body,
        origin: requestOrigin(request),
        replaces: request.auth,
      });
      if (result.kind === 'mfa_required') {
        return { mfaRequired: true as const, challenge: result.challenge, methods: result.methods };
      }
      app.setSessionCookie(reply, result.token);
      return { user: presentUser(result.user), token: result.token.token };
    },
  );

  // Public, limited per IP. No body: options for a passkey-only sign-in. `{ challenge }`: the second step
  // of a sign-in (the open challenge is the authorization). `{ reauthenticate: true }`: signed in only.
  app.post(
    '/auth/passkey/options',
    {
      schema: {
        tags: ['auth'],
        body: PasskeyOptionsBody,
        response: { 200: PasskeyAuthenticationOptions, ...errors, 404: ErrorBody },
      },
      preHandler: app.limit(AUTH_LIMITS.passkeyOptionsPerIp),
    },
    async (request) => {
      const body = request.body ?? {};
      if ('challenge' in body) {
        const user = await openChallengeUser(deps, body.challenge);
        return secondStepPasskeyOptions(deps, user.id, body.challenge);
      }
      if ('reauthenticate' in body) return startPasskeyReauthentication(deps, signedIn(request.auth));
      return startPasskeySignIn(deps);
    },
  );

  // Public, limited per IP (failures only): the assertion over a challenge from the options is the
  // authorization. A session the request carried is replaced by the new one.
  app.post(
    '/auth/passkey',
    {
      schema: { tags: ['auth'], body: PasskeySignInBody, response: { 200: LoginResponse, ...errors } },
      preHandler: app.limit(AUTH_LIMITS.loginPerIp),
    },
    async (request, reply) => {
      const origin = requestOrigin(request);
      const user = await signInWithPasskey(deps, { assertion: request.body.assertion, origin });
      const result = await startSession(deps, user, { origin, replaces: request.auth });
      app.setSessionCookie(reply, result.token);
      return { user: presentUser(result.user), token: result.token.token };
    },
  );

  // Public: the challenge of the password step is the authorization; its account's LIMIT_MFA_ACCOUNT
  // is spent inside (the key is known once the challenge is), this address's login allowance here.
  app.post(
    '/auth/login/mfa',
    {
      schema: { tags: ['auth'], body: LoginMfaBody, response: { 200: LoginResponse, ...errors } },
      preHandler: app.limit(AUTH_LIMITS.loginPerIp),
    },
    async (request, reply) => {
      const origin = requestOrigin(request);
      const { user } = await answerMfaChallenge(deps, { ...request.body, origin });
      const result = await startSession(deps, user, { origin, replaces: request.auth });
      app.setSessionCookie(reply, result.token);
      return { user: presentUser(result.user), token: result.token.token };
    },
  );

  // Signed-in user: proves again who they are (password, or a code or passkey with a second factor).
  // The session's token is replaced: a new cookie (and X-Parley-Token for bearer clients); the token
  // the request carried stops working.
  app.post(
    '/auth/reauthenticate',
    {
      schema: { tags: ['auth'], body: ReauthenticateBody, response: { 204: NoContent, ...errors } },
      onRequest: app.requireAuth,
      // Open during a required second-factor set-up: starting one needs a recent authentication.
      config: { duringMfaEnrolment: true },
      preHandler: app.limit(
        AUTH_LIMITS.reauthPasswordPerUser,
        AUTH_LIMITS.reauthCodePerUser,
        AUTH_LIMITS.reauthPasskeyPerUser,
      ),
    },
    async (request, reply) => {
      const token = await reauthenticate(deps, signedIn(request.auth), {
        body: request.body,
        origin: requestOrigin(request),
      });
      app.setSessionCookie(reply, token);
      reply.header('x-parley-token', token.token);
      return reply.code(204).send(null);
    },
  );

  // Signed-in user: their own session.
  app.post(
    '/auth/logout',
    {
      schema: { tags: ['auth'], response: { 204: NoContent, ...errors } },
      onRequest: app.requireAuth,
      config: { duringMfaEnrolment: true },
    },
    async (request, reply) => {
      await logout(deps, signedIn(request.auth), requestOrigin(request));
      app.clearSessionCookie(reply);
      return reply.code(204).send(null);
    },
  );

  // Signed-in user, recently authenticated: all their sessions.
  app.post(
    '/auth/logout-all',
    {
      schema: { tags: ['auth'], response: { 204: NoContent, ...errors } },
      onRequest: app.requireAuth,
      preHandler: recent,
    },
    async (request, reply) => {
      await logoutEverywhere(deps, signedIn(request.auth), requestOrigin(request));
      app.clearSessionCookie(reply);
      return reply.code(204).send(null);
    },
  );

  // Public, rate-limited per email and per IP.
  app.post(
    '/auth/forgot-password',
    {
      schema: { tags: ['auth'], body: EmailOnlyBody, response: { 202: Accepted, ...errors } },
      preHandler: app.limit(AUTH_LIMITS.emailPerAddress, AUTH_LIMITS.emailPerIp),
    },
    async (request, reply) => {
      await forgotPassword(deps, request.body.email, requestOrigin(request));
      return reply.code(202).send(null);
    },
  );

  // Public: the signed, single-use token is the authorization.
  app.post(
    '/auth/reset-password',
    {
      schema: { tags: ['auth'], body: ResetPasswordBody, response: { 204: NoContent, ...errors } },
      preHandler: app.limit(AUTH_LIMITS.tokenPerIp),
    },
    async (request, reply) => {
      await resetPassword(deps, { ...request.body, origin: requestOrigin(request) });
      app.clearSessionCookie(reply);
      return reply.code(204).send(null);
    },
  );

  // Signed-in user, recently authenticated, who must also know the current password. The session's
  // token is replaced like on a re-authentication (new cookie and X-Parley-Token).
  app.post(
    '/auth/change-password',
    {
      schema: { tags: ['auth'], body: ChangePasswordBody, response: { 204: NoContent, ...errors } },
      onRequest: app.requireAuth,
      preHandler: [recent, app.limit(AUTH_LIMITS.passwordCheckPerUser)],
    },
    async (request, reply) => {
      const auth = signedIn(request.auth);
      await changePassword(deps, auth, { ...request.body, origin: requestOrigin(request) });
      const token = await renewSessionToken(deps, auth);
      app.setSessionCookie(reply, token);
      reply.header('x-parley-token', token.token);
      return reply.code(204).send(null);
    },
  );
};

import {
  ChangeEmailBody,
  ConfirmEmailChangeBody,
  ErrorBody,
  SecurityEventPage,
  SecurityEventsQuery,
  User,
} from '@parley/contract';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { signedIn } from '../../http/auth.js';
import { presentUser } from '../users/user.presenter.js';
import type { AuthDeps } from './auth.context.js';
import { AUTH_LIMITS } from './auth.limits.js';
import { confirmEmailChange, requestEmailChange } from './email-change.service.js';
import { recentAuthentication } from './reauthentication.js';
import { requestOrigin } from './request-origin.js';
import { securityLogPage } from './security-log.js';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 409: ErrorBody, 429: ErrorBody };

/**
 * Account security (docs/api.md, "Account security"): changing the account's email through a link sent
 * to the new address, and the user's own security log. The authorization rule of each route sits beside it.
 */
export const accountSecurityRoutes: FastifyPluginAsyncZod<{ deps: AuthDeps }> = async (app, { deps }) => {
  // Signed-in user, recently authenticated (REAUTH_MAX_AGE), who must also know the current password;
  // limited like the other password re-checks, and per new address like every route that mails an
  // address the caller names.
  app.post(
    '/me/email',
    {
      schema: {
        tags: ['account'],
        body: ChangeEmailBody,
        response: {
          202: z.null().describe('Link sent to the new address, notice to the current one'),
          ...errors,
        },
      },
      onRequest: app.requireAuth,
      preHandler: [
        recentAuthentication(deps),
        app.limit(AUTH_LIMITS.passwordCheckPerUser, AUTH_LIMITS.emailPerNewAddress),
      ],
    },
    async (request, reply) => {
      await requestEmailChange(deps, signedIn(request.auth), {
        ...request.body,
        origin: requestOrigin(request),
      });
      return reply.code(202).send(null);
    },
  );

  // Public: the signed, single-use token proves the new mailbox. A session of the same account that
  // confirms is kept; every other session of the account ends.
  app.post(
    '/auth/confirm-email-change',
    {
      schema: { tags: ['auth'], body: ConfirmEmailChangeBody, response: { 200: User, ...errors } },
      preHandler: app.limit(AUTH_LIMITS.tokenPerIp),
    },
    async (request) =>
      presentUser(
        await confirmEmailChange(deps, {
          token: request.body.token,
          auth: request.auth,
          origin: requestOrigin(request),
        }),
      ),
  );

  // Signed-in user: their own events only.
  app.get(
    '/me/security-events',
    {
      schema: {
        tags: ['account'],
        querystring: SecurityEventsQuery,
        response: { 200: SecurityEventPage, ...errors },
      },
      onRequest: app.requireAuth,
    },
    async (request) => securityLogPage(deps, signedIn(request.auth).userId, request.query),
  );
};

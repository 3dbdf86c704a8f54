import { DeleteMeBody, ErrorBody, PublicUser, UpdateMeBody, User, UserLookupQuery } from '@parley/contract';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { fromDbTime } from '../../db/time.js';
import { signedIn } from '../../http/auth.js';
import { deleteAccount } from '../auth/account.service.js';
import type { AuthDeps } from '../auth/auth.context.js';
import { AUTH_LIMITS } from '../auth/auth.limits.js';
import { recentAuthentication } from '../auth/reauthentication.js';
import { requestOrigin } from '../auth/request-origin.js';
import { announceProfile } from '../conversations/conversation.service.js';
import { presentPublicUser, presentUser } from './user.presenter.js';
import { lookupUser, updateDisplayName } from './user.service.js';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 429: ErrorBody };

/** The signed-in user's own account, and finding other users. Every route needs a session. */
export const meRoutes: FastifyPluginAsyncZod<{ deps: AuthDeps }> = async (app, { deps }) => {
  app.addHook('onRequest', app.requireAuth);

  // Open during a required second-factor set-up: the web app needs to know who is signed in.
  app.get(
    '/me',
    {
      schema: { tags: ['account'], response: { 200: User, ...errors } },
      config: { duringMfaEnrolment: true },
    },
    async (request) => presentUser(signedIn(request.auth).user),
  );

  // Rate-limited per user: every change is announced to everyone who shares a conversation with them.
  app.patch(
    '/me',
    {
      schema: { tags: ['account'], body: UpdateMeBody, response: { 200: User, ...errors } },
      preHandler: app.limit(AUTH_LIMITS.profileChangePerUser),
    },
    async (request) => {
      const user = await updateDisplayName(deps, signedIn(request.auth), request.body.displayName);
      await announceProfile(deps, presentPublicUser(user), fromDbTime(user.updated_at));
      return presentUser(user);
    },
  );

  app.delete(
    '/me',
    {
      schema: { tags: ['account'], body: DeleteMeBody, response: { 204: z.null(), ...errors } },
      preHandler: [recentAuthentication(deps), app.limit(AUTH_LIMITS.passwordCheckPerUser)],
    },
    async (request, reply) => {
      await deleteAccount(deps, signedIn(request.auth), {
        password: request.body.password,
        origin: requestOrigin(request),
      });
      app.clearSessionCookie(reply);
      return reply.code(204).send(null);
    },
  );

  // Rate-limited per user: an address book must not be scrapable one guess at a time.
  app.get(
    '/users/lookup',
    {
      schema: { tags: ['account'], querystring: UserLookupQuery, response: { 200: PublicUser, ...errors } },
      preHandler: app.limit(AUTH_LIMITS.lookupPerUser),
    },
    async (request) => presentPublicUser(await lookupUser(deps, request.query.email)),
  );
};

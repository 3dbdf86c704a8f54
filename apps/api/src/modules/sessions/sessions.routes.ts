import { ErrorBody, IdParams, SessionList } from '@parley/contract';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { signedIn } from '../../http/auth.js';
import type { AuthDeps } from '../auth/auth.context.js';
import { assertRecentAuthentication } from '../auth/reauthentication.js';
import { requestOrigin } from '../auth/request-origin.js';
import { revokeOwnSession } from '../auth/session.service.js';
import { presentSession } from './session.presenter.js';
import { listActiveSessions } from './session.repository.js';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody };

/** The signed-in user's devices. Only their own sessions are ever listed or revoked. */
export const sessionsRoutes: FastifyPluginAsyncZod<{ deps: AuthDeps }> = async (app, { deps }) => {
  app.addHook('onRequest', app.requireAuth);

  app.get(
    '/sessions',
    { schema: { tags: ['account'], response: { 200: SessionList, ...errors } } },
    async (request) => {
      const auth = signedIn(request.auth);
      const rows = await listActiveSessions(deps.db, auth.userId, deps.now());
      return { sessions: rows.map((row) => presentSession(row, auth.sessionId)) };
    },
  );

  app.delete(
    '/sessions/:id',
    {
      schema: { tags: ['account'], params: IdParams, response: { 204: z.null(), ...errors } },
      // Ending another session (not signing this one out) is sensitive: it needs a recent authentication.
      preHandler: async (request) => {
        const auth = signedIn(request.auth);
        if (request.params.id !== auth.sessionId) assertRecentAuthentication(deps, auth);
      },
    },
    async (request, reply) => {
      const auth = signedIn(request.auth);
      await revokeOwnSession(deps, auth, request.params.id, requestOrigin(request));
      if (request.params.id === auth.sessionId) app.clearSessionCookie(reply);
      return reply.code(204).send(null);
    },
  );
};

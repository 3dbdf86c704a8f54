import { ErrorBody, SearchQuery, SearchResults } from '@parley/contract';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { signedIn } from '../../http/auth.js';
import { SEARCH_LIMITS } from './search.limits.js';
import { type SearchDeps, searchMessages } from './search.service.js';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 429: ErrorBody };

/** Message search: signed in; results only from the caller's own conversations. */
export const searchRoutes: FastifyPluginAsyncZod<{ deps: SearchDeps }> = async (app, { deps }) => {
  app.addHook('onRequest', app.requireAuth);

  app.get(
    '/search',
    {
      schema: {
        tags: ['search'],
        querystring: SearchQuery,
        response: { 200: SearchResults, ...errors },
      },
      preHandler: app.limit(SEARCH_LIMITS.search),
    },
    async (request) => searchMessages(deps, signedIn(request.auth).userId, request.query),
  );
};

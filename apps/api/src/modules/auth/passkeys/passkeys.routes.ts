import {
  AddPasskeyBody,
  ErrorBody,
  PasskeyParams,
  PasskeyRegistrationOptions,
  PasskeySummary,
  RenamePasskeyBody,
} from '@parley/contract';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { signedIn } from '../../../http/auth.js';
import type { AuthDeps } from '../auth.context.js';
import { recentAuthentication } from '../reauthentication.js';
import { requestOrigin } from '../request-origin.js';
import {
  addPasskey,
  removeOwnPasskey,
  renameOwnPasskey,
  startPasskeyRegistration,
} from './passkey.service.js';

const errors = {
  400: ErrorBody,
  401: ErrorBody,
  403: ErrorBody,
  404: ErrorBody,
  409: ErrorBody,
  429: ErrorBody,
};

/**
 * The signed-in user's passkeys (Settings → Security); they are listed by GET /api/me/mfa. Starting a
 * registration and removing one need a recent authentication; finishing a registration needs the
 * challenge this session was given; renaming changes nothing about signing in. Another user's passkey
 * (or an unknown or removed one) is a 404.
 */
export const passkeyRoutes: FastifyPluginAsyncZod<{ deps: AuthDeps }> = async (app, { deps }) => {
  app.addHook('onRequest', app.requireAuth);
  const recent = recentAuthentication(deps);

  app.post(
    '/me/passkeys/options',
    {
      schema: { tags: ['account'], response: { 200: PasskeyRegistrationOptions, ...errors } },
      preHandler: recent,
      config: { duringMfaEnrolment: true },
    },
    async (request) => startPasskeyRegistration(deps, signedIn(request.auth)),
  );

  app.post(
    '/me/passkeys',
    {
      schema: { tags: ['account'], body: AddPasskeyBody, response: { 201: PasskeySummary, ...errors } },
      config: { duringMfaEnrolment: true },
    },
    async (request, reply) => {
      const passkey = await addPasskey(deps, signedIn(request.auth), {
        ...request.body,
        origin: requestOrigin(request),
      });
      return reply.code(201).send(passkey);
    },
  );

  app.patch(
    '/me/passkeys/:id',
    {
      schema: {
        tags: ['account'],
        params: PasskeyParams,
        body: RenamePasskeyBody,
        response: { 200: PasskeySummary, ...errors },
      },
    },
    async (request) =>
      renameOwnPasskey(deps, signedIn(request.auth), {
        id: request.params.id,
        name: request.body.name,
        origin: requestOrigin(request),
      }),
  );

  app.delete(
    '/me/passkeys/:id',
    {
      schema: { tags: ['account'], params: PasskeyParams, response: { 204: z.null(), ...errors } },
      preHandler: recent,
    },
    async (request, reply) => {
      await removeOwnPasskey(deps, signedIn(request.auth), {
        id: request.params.id,
        origin: requestOrigin(request),
      });
      return reply.code(204).send(null);
    },
  );
};

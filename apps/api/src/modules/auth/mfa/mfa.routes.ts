import { ErrorBody, MfaStatus, RecoveryCodes, TotpConfirmBody, TotpEnrolment } from '@parley/contract';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { signedIn } from '../../../http/auth.js';
import type { AuthDeps } from '../auth.context.js';
import { recentAuthentication } from '../reauthentication.js';
import { requestOrigin } from '../request-origin.js';
import {
  confirmTotpEnrolment,
  disableTotp,
  mfaStatus,
  regenerateRecoveryCodes,
  startTotpEnrolment,
} from './mfa.service.js';

const errors = {
  400: ErrorBody,
  401: ErrorBody,
  403: ErrorBody,
  404: ErrorBody,
  409: ErrorBody,
  429: ErrorBody,
};

/**
 * The signed-in user's second factors (Settings → Security). Every route needs a session; those that
 * add, remove or replace a factor also need a recent authentication (403 `reauthentication_required`).
 */
export const mfaRoutes: FastifyPluginAsyncZod<{ deps: AuthDeps }> = async (app, { deps }) => {
  app.addHook('onRequest', app.requireAuth);
  const recent = recentAuthentication(deps);

  app.get(
    '/me/mfa',
    {
      schema: { tags: ['account'], response: { 200: MfaStatus, ...errors } },
      config: { duringMfaEnrolment: true },
    },
    async (request) => mfaStatus(deps, signedIn(request.auth).userId),
  );

  app.post(
    '/me/mfa/totp',
    {
      schema: { tags: ['account'], response: { 200: TotpEnrolment, ...errors } },
      preHandler: recent,
      config: { duringMfaEnrolment: true },
    },
    async (request) => startTotpEnrolment(deps, signedIn(request.auth), requestOrigin(request)),
  );

  // Needs no new re-authentication: only the enrolment started under one can be confirmed, and the code
  // proves the app holds its secret. Tries spend the account's second-factor allowance.
  app.post(
    '/me/mfa/totp/confirm',
    {
      schema: { tags: ['account'], body: TotpConfirmBody, response: { 200: RecoveryCodes, ...errors } },
      config: { duringMfaEnrolment: true },
    },
    async (request) => ({
      recoveryCodes: await confirmTotpEnrolment(deps, signedIn(request.auth), {
        code: request.body.code,
        origin: requestOrigin(request),
      }),
    }),
  );

  app.delete(
    '/me/mfa/totp',
    { schema: { tags: ['account'], response: { 204: z.null(), ...errors } }, preHandler: recent },
    async (request, reply) => {
      await disableTotp(deps, signedIn(request.auth), requestOrigin(request));
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/me/mfa/recovery-codes',
    { schema: { tags: ['account'], response: { 200: RecoveryCodes, ...errors } }, preHandler: recent },
    async (request) => ({
      recoveryCodes: await regenerateRecoveryCodes(deps, signedIn(request.auth), requestOrigin(request)),
    }),
  );
};

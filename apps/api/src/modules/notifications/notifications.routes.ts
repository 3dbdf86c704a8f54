import {
  ErrorBody,
  NotificationSettings,
  UnsubscribeBody,
  UnsubscribeQuery,
  UpdateNotificationSettingsBody,
} from '@parley/contract';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '../../errors.js';
import { signedIn } from '../../http/auth.js';
import { AUTH_LIMITS } from '../auth/auth.limits.js';
import { unsubscribePageUrl } from './notification-email.js';
import {
  getNotificationSettings,
  type NotificationDeps,
  unsubscribe,
  updateNotificationSettings,
} from './notification-settings.service.js';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 415: ErrorBody, 429: ErrorBody };

/** What RFC 8058 mail clients post: `List-Unsubscribe=One-Click`, form-encoded or as multipart. */
const OneClickBody = z.strictObject({ 'List-Unsubscribe': z.literal('One-Click') });
/** Up to this many bytes of a one-click body are read; the body carries one short field. */
const ONE_CLICK_BODY_LIMIT = 4096;

/** The `List-Unsubscribe` field of a multipart/form-data body, the only field RFC 8058 sends. */
function oneClickField(body: string): Record<string, string> {
  const match = /name="List-Unsubscribe"\r?\n(?:[^\r\n]+\r?\n)*\r?\n([^\r\n]*)/i.exec(body);
  return match?.[1] === undefined ? {} : { 'List-Unsubscribe': match[1] };
}

/** Email notification settings (signed in), and the emailed one-click unsubscribe (no sign-in). */
export const notificationsRoutes: FastifyPluginAsyncZod<{ deps: NotificationDeps }> = async (
  app,
  { deps },
) => {
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string', bodyLimit: ONE_CLICK_BODY_LIMIT },
    (_request, body, done) => done(null, Object.fromEntries(new URLSearchParams(body as string))),
  );
  app.addContentTypeParser(
    'multipart/form-data',
    { parseAs: 'string', bodyLimit: ONE_CLICK_BODY_LIMIT },
    (_request, body, done) => done(null, oneClickField(body as string)),
  );

  app.get(
    '/me/notification-settings',
    {
      onRequest: app.requireAuth,
      schema: { tags: ['notifications'], response: { 200: NotificationSettings, ...errors } },
    },
    async (request) => getNotificationSettings(deps, signedIn(request.auth).userId),
  );

  // Rate-limited per user like profile changes: a presence change is announced to every instance.
  app.patch(
    '/me/notification-settings',
    {
      onRequest: app.requireAuth,
      preHandler: app.limit(AUTH_LIMITS.profileChangePerUser),
      schema: {
        tags: ['notifications'],
        body: UpdateNotificationSettingsBody,
        response: { 200: NotificationSettings, ...errors },
      },
    },
    async (request) => updateNotificationSettings(deps, signedIn(request.auth).userId, request.body),
  );

  // Public, rate-limited per IP: the signed token is the authority. JSON `{ token }` from the web page,
  // or RFC 8058's form post with the token in the URL of the List-Unsubscribe header.
  app.post(
    '/notifications/unsubscribe',
    {
      preHandler: app.limit(AUTH_LIMITS.tokenPerIp),
      schema: {
        tags: ['notifications'],
        querystring: UnsubscribeQuery,
        body: z.union([UnsubscribeBody, OneClickBody]).optional(),
        response: { 204: z.null(), ...errors },
      },
    },
    async (request, reply) => {
      const fromBody = request.body && 'token' in request.body ? request.body.token : undefined;
      const fromQuery = request.query.token;
      if (fromBody !== undefined && fromQuery !== undefined && fromBody !== fromQuery) {
        throw new AppError('validation_failed', 'Give the token once, in the body or in the URL');
      }
      const token = fromBody ?? fromQuery;
      if (token === undefined) throw new AppError('validation_failed', 'The unsubscribe token is missing');
      await unsubscribe(deps, token);
      return reply.code(204).send(null);
    },
  );

  // A person who opens the header's link in a browser gets the page that asks first: never on GET.
  app.get(
    '/notifications/unsubscribe',
    {
      schema: {
        tags: ['notifications'],
        querystring: UnsubscribeQuery,
        response: { 303: z.null(), ...errors },
      },
    },
    async (request, reply) => {
      const token = request.query.token ?? '';
      return reply.redirect(unsubscribePageUrl(deps.publicUrl, token), 303);
    },
  );
};

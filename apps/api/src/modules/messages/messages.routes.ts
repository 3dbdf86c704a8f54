import {
  EditMessageBody,
  ErrorBody,
  IdParams,
  Message,
  MessagePage,
  MessagesQuery,
  ReactionParams,
  ReadMarkerBody,
  SendMessageBody,
} from '@parley/contract';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { signedIn } from '../../http/auth.js';
import { MESSAGE_LIMITS } from './message.limits.js';
import {
  deleteMessage,
  editMessage,
  listHistory,
  type MessageDeps,
  markRead,
  sendMessage,
} from './message.service.js';
import { setReaction } from './reaction.service.js';

const errors = {
  400: ErrorBody,
  401: ErrorBody,
  403: ErrorBody,
  404: ErrorBody,
  409: ErrorBody,
  429: ErrorBody,
};

/**
 * Messages. Every route needs a session and active membership of the conversation (404 otherwise);
 * editing and deleting are for the sender only (403 for other members); any member may react.
 */
export const messagesRoutes: FastifyPluginAsyncZod<{ deps: MessageDeps }> = async (app, { deps }) => {
  app.addHook('onRequest', app.requireAuth);

  app.get(
    '/conversations/:id/messages',
    {
      schema: {
        tags: ['messages'],
        params: IdParams,
        querystring: MessagesQuery,
        response: { 200: MessagePage, ...errors },
      },
    },
    async (request) => listHistory(deps, signedIn(request.auth).userId, request.params.id, request.query),
  );

  app.post(
    '/conversations/:id/messages',
    {
      schema: {
        tags: ['messages'],
        params: IdParams,
        body: SendMessageBody,
        response: { 200: Message, 201: Message, ...errors },
      },
      preHandler: app.limit(MESSAGE_LIMITS.send),
    },
    async (request, reply) => {
      const { message, created } = await sendMessage(deps, signedIn(request.auth).userId, {
        conversationId: request.params.id,
        ...request.body,
      });
      return reply.code(created ? 201 : 200).send(message);
    },
  );

  app.patch(
    '/messages/:id',
    {
      schema: {
        tags: ['messages'],
        params: IdParams,
        body: EditMessageBody,
        response: { 200: Message, ...errors },
      },
      preHandler: app.limit(MESSAGE_LIMITS.change),
    },
    async (request) => editMessage(deps, signedIn(request.auth).userId, request.params.id, request.body.body),
  );

  app.delete(
    '/messages/:id',
    {
      schema: { tags: ['messages'], params: IdParams, response: { 204: z.null(), ...errors } },
      preHandler: app.limit(MESSAGE_LIMITS.change),
    },
    async (request, reply) => {
      await deleteMessage(deps, signedIn(request.auth).userId, request.params.id);
      return reply.code(204).send(null);
    },
  );

  for (const [method, on] of [
    ['PUT', true],
    ['DELETE', false],
  ] as const) {
    app.route({
      method,
      url: '/messages/:id/reactions/:emoji',
      schema: { tags: ['messages'], params: ReactionParams, response: { 204: z.null(), ...errors } },
      preHandler: app.limit(MESSAGE_LIMITS.react),
      handler: async (request, reply) => {
        const { id, emoji } = request.params;
        await setReaction(deps, signedIn(request.auth).userId, id, emoji, on);
        return reply.code(204).send(null);
      },
    });
  }

  app.post(
    '/conversations/:id/read',
    {
      schema: {
        tags: ['messages'],
        params: IdParams,
        body: ReadMarkerBody,
        response: { 204: z.null(), ...errors },
      },
      preHandler: app.limit(MESSAGE_LIMITS.read),
    },
    async (request, reply) => {
      await markRead(deps, signedIn(request.auth).userId, request.params.id, request.body.seq);
      return reply.code(204).send(null);
    },
  );
};

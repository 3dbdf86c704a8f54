import {
  AddMemberBody,
  Conversation,
  ConversationList,
  ConversationSettingsBody,
  ConversationsQuery,
  CreateConversationBody,
  ErrorBody,
  IdParams,
  MemberParams,
  MemberRoleBody,
  RenameConversationBody,
} from '@parley/contract';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { signedIn } from '../../http/auth.js';
import { CONVERSATION_LIMITS } from './conversation.limits.js';
import {
  addMember,
  type ConversationDeps,
  createConversation,
  getConversation,
  listConversations,
  removeMember,
} from './conversation.service.js';
import { changeMemberRole, renameConversation, updateSettings } from './conversation-settings.service.js';

const errors = {
  400: ErrorBody,
  401: ErrorBody,
  403: ErrorBody,
  404: ErrorBody,
  409: ErrorBody,
  429: ErrorBody,
};

/**
 * Conversations. Every route needs a session; only active members see a conversation (404 for anyone
 * else); only a group's owner and admins add or remove others and rename it; only its owner makes or
 * unmakes admins; anyone may leave a group, and mute or archive a conversation for themselves. Creating
 * and adding stop at the caps (conversations per user, members per group) with 409 `limit_reached`.
 */
export const conversationsRoutes: FastifyPluginAsyncZod<{ deps: ConversationDeps }> = async (
  app,
  { deps },
) => {
  app.addHook('onRequest', app.requireAuth);

  app.post(
    '/conversations',
    {
      schema: {
        tags: ['conversations'],
        body: CreateConversationBody,
        response: { 200: Conversation, 201: Conversation, ...errors },
      },
      preHandler: app.limit(CONVERSATION_LIMITS.create),
    },
    async (request, reply) => {
      const { conversation, created } = await createConversation(
        deps,
        signedIn(request.auth).userId,
        request.body,
      );
      return reply.code(created ? 201 : 200).send(conversation);
    },
  );

  app.get(
    '/conversations',
    {
      schema: {
        tags: ['conversations'],
        querystring: ConversationsQuery,
        response: { 200: ConversationList, ...errors },
      },
    },
    async (request) => listConversations(deps, signedIn(request.auth).userId, request.query),
  );

  app.get(
    '/conversations/:id',
    { schema: { tags: ['conversations'], params: IdParams, response: { 200: Conversation, ...errors } } },
    async (request) => getConversation(deps, signedIn(request.auth).userId, request.params.id),
  );

  app.post(
    '/conversations/:id/members',
    {
      schema: {
        tags: ['conversations'],
        params: IdParams,
        body: AddMemberBody,
        response: { 204: z.null(), ...errors },
      },
      preHandler: app.limit(CONVERSATION_LIMITS.addMember),
    },
    async (request, reply) => {
      await addMember(deps, signedIn(request.auth).userId, request.params.id, request.body.userId);
      return reply.code(204).send(null);
    },
  );

  app.delete(
    '/conversations/:id/members/:userId',
    {
      schema: { tags: ['conversations'], params: MemberParams, response: { 204: z.null(), ...errors } },
      preHandler: app.limit(CONVERSATION_LIMITS.removeMember),
    },
    async (request, reply) => {
      await removeMember(deps, signedIn(request.auth).userId, request.params.id, request.params.userId);
      return reply.code(204).send(null);
    },
  );

  app.patch(
    '/conversations/:id',
    {
      schema: {
        tags: ['conversations'],
        params: IdParams,
        body: RenameConversationBody,
        response: { 200: Conversation, ...errors },
      },
      preHandler: app.limit(CONVERSATION_LIMITS.change),
    },
    async (request) =>
      renameConversation(deps, signedIn(request.auth).userId, request.params.id, request.body.title),
  );

  app.put(
    '/conversations/:id/members/:userId/role',
    {
      schema: {
        tags: ['conversations'],
        params: MemberParams,
        body: MemberRoleBody,
        response: { 204: z.null(), ...errors },
      },
      preHandler: app.limit(CONVERSATION_LIMITS.change),
    },
    async (request, reply) => {
      await changeMemberRole(
        deps,
        signedIn(request.auth).userId,
        request.params.id,
        request.params.userId,
        request.body.role,
      );
      return reply.code(204).send(null);
    },
  );

  app.patch(
    '/conversations/:id/settings',
    {
      schema: {
        tags: ['conversations'],
        params: IdParams,
        body: ConversationSettingsBody,
        response: { 200: Conversation, ...errors },
      },
      preHandler: app.limit(CONVERSATION_LIMITS.change),
    },
    async (request) => updateSettings(deps, signedIn(request.auth).userId, request.params.id, request.body),
  );
};

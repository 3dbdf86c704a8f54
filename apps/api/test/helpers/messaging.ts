import { randomUUID } from 'node:crypto';
import type { Conversation, Message } from '@parley/contract';
import type { FastifyInstance } from 'fastify';
import { expect } from 'vitest';
import { call, type Session } from './auth.js';

export async function createDirect(
  app: FastifyInstance,
  session: Session,
  otherId: string,
): Promise<Conversation> {
  const response = await call(app, 'POST', '/api/conversations', {
    session,
    body: { type: 'direct', memberIds: [otherId] },
  });
  expect([200, 201], response.body).toContain(response.statusCode);
  return response.json();
}

export async function createGroup(
  app: FastifyInstance,
  session: Session,
  title: string,
  memberIds: string[],
): Promise<Conversation> {
  const response = await call(app, 'POST', '/api/conversations', {
    session,
    body: { type: 'group', title, memberIds },
  });
  expect(response.statusCode, response.body).toBe(201);
  return response.json();
}

export async function send(
  app: FastifyInstance,
  session: Session,
  conversationId: string,
  body: string,
  clientId = randomUUID(),
): Promise<Message> {
  const response = await call(app, 'POST', `/api/conversations/${conversationId}/messages`, {
    session,
    body: { clientId, body },
  });
  expect([200, 201], response.body).toContain(response.statusCode);
  return response.json();
}

export async function history(
  app: FastifyInstance,
  session: Session,
  conversationId: string,
  query = '',
): Promise<{ messages: Message[]; hasMore: boolean }> {
  const response = await call(app, 'GET', `/api/conversations/${conversationId}/messages${query}`, {
    session,
  });
  expect(response.statusCode, response.body).toBe(200);
  return response.json();
}

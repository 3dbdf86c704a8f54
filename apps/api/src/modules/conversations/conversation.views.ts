import type { Conversation } from '@parley/contract';
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import { attachmentsByMessage } from '../messages/message.repository.js';
import {
  type ConversationExtras,
  type ConversationWithMembership,
  presentConversations,
} from './conversation.presenter.js';
import { lastMessages, listMembers, unreadCounts } from './conversation.repository.js';

/** Loads what a page of conversations shows besides their rows, with a fixed number of queries. */
export async function loadConversationExtras(
  db: Kysely<DB>,
  userId: string,
  conversationIds: readonly string[],
): Promise<ConversationExtras> {
  const [members, unread, last] = await Promise.all([
    listMembers(db, conversationIds),
    unreadCounts(db, userId, conversationIds),
    lastMessages(db, conversationIds),
  ]);
  const attachments = await attachmentsByMessage(
    db,
    last.map((m) => m.id),
  );
  return { members, unread, lastMessages: last, attachments };
}

/** Conversations as one user sees them: the repositories load, the presenter shapes. */
export async function loadConversationViews(
  db: Kysely<DB>,
  userId: string,
  rows: readonly ConversationWithMembership[],
): Promise<Conversation[]> {
  const extras = await loadConversationExtras(
    db,
    userId,
    rows.map((row) => row.id),
  );
  return presentConversations(userId, rows, extras);
}

import type { Conversation } from '@parley/contract';
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import { mentionCounts } from '../messages/mention.repository.js';
import { loadMessages } from '../messages/message.loader.js';
import { type ConversationWithMembership, presentConversation } from './conversation.presenter.js';
import { lastMessages, unreadCounts } from './conversation.repository.js';
import {
  type FormerMemberProfile,
  listFormerMembers,
  listMembers,
  type MemberProfile,
} from './member.repository.js';

/**
 * Conversations as one user sees them (members, former members, unread and mention counts, last message), with a fixed number of
 * queries whatever the number of conversations (one per 500 of them).
 */
export async function loadConversations(
  db: Kysely<DB>,
  userId: string,
  rows: readonly ConversationWithMembership[],
): Promise<Conversation[]> {
  const ids = rows.map((row) => row.id);
  const [members, formerMembers, unread, mentions, lastRows] = await Promise.all([
    listMembers(db, ids),
    listFormerMembers(db, ids),
    unreadCounts(db, userId, ids),
    mentionCounts(db, userId, ids),
    lastMessages(db, ids),
  ]);
  const last = await loadMessages(db, lastRows);
  const lastById = new Map(last.map((message) => [message.conversationId, message]));
  const membersById = new Map<string, MemberProfile[]>();
  for (const member of members) {
    const list = membersById.get(member.conversation_id);
    if (list) list.push(member);
    else membersById.set(member.conversation_id, [member]);
  }
  const formerById = new Map<string, FormerMemberProfile[]>();
  for (const former of formerMembers) {
    const list = formerById.get(former.conversation_id);
    if (list) list.push(former);
    else formerById.set(former.conversation_id, [former]);
  }
  return rows.map((row) =>
    presentConversation(row, userId, {
      members: membersById.get(row.id) ?? [],
      formerMembers: formerById.get(row.id) ?? [],
      unreadCount: unread.get(row.id) ?? 0,
      mentionCount: mentions.get(row.id) ?? 0,
      lastMessage: lastById.get(row.id) ?? null,
    }),
  );
}

import type { Conversation } from '@parley/contract';
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import { fromDbTime } from '../../db/time.js';
import { presentMessage } from '../messages/message.presenter.js';
import { attachmentsByMessage } from '../messages/message.repository.js';
import { type ConversationRow, lastMessages, listMembers, unreadCounts } from './conversation.repository.js';

type ConversationWithMembership = ConversationRow & { last_read_seq: number };

/** Builds the contract shape of conversations as one user sees them, with a fixed number of queries. */
export async function presentConversations(
  db: Kysely<DB>,
  userId: string,
  rows: readonly ConversationWithMembership[],
): Promise<Conversation[]> {
  const ids = rows.map((row) => row.id);
  const [members, unread, last] = await Promise.all([
    listMembers(db, ids),
    unreadCounts(db, userId, ids),
    lastMessages(db, ids),
  ]);
  const attachments = await attachmentsByMessage(
    db,
    last.map((m) => m.id),
  );
  const lastById = new Map(last.map((m) => [m.conversation_id, m]));
  const membersById = new Map<string, typeof members>();
  for (const member of members) {
    const list = membersById.get(member.conversation_id);
    if (list) list.push(member);
    else membersById.set(member.conversation_id, [member]);
  }
  return rows.map((row) => {
    const lastRow = lastById.get(row.id);
    const rowMembers = membersById.get(row.id) ?? [];
    // A deleted account leaves its groups, so only a direct conversation can still list one.
    const peerDeleted =
      row.type === 'direct' && rowMembers.some((m) => m.user_id !== userId && m.deleted_at !== null);
    return {
      id: row.id,
      type: row.type,
      title: row.title,
      members: rowMembers.map((m) => ({
        id: m.user_id,
        displayName: m.deleted_at === null ? m.display_name : 'Deleted user',
        role: m.role,
      })),
      lastMessage: lastRow ? presentMessage(lastRow, attachments.get(lastRow.id)) : null,
      unreadCount: unread.get(row.id) ?? 0,
      lastSeq: Number(row.last_seq),
      lastRev: Number(row.last_rev),
      lastReadSeq: Number(row.last_read_seq),
      updatedAt: fromDbTime(row.updated_at),
      readOnly: peerDeleted,
      peerDeleted,
    };
  });
}

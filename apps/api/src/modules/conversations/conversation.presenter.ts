import type { Conversation, Message } from '@parley/contract';
import { fromDbTime } from '../../db/time.js';
import type { ConversationRow } from './conversation.repository.js';
import type { FormerMemberProfile, MemberProfile } from './member.repository.js';

export type ConversationWithMembership = ConversationRow & {
  last_read_seq: number;
  muted: number;
  archived_at_seq: number | null;
};

const ROLE_ORDER = { owner: 0, admin: 1, member: 2 } as const;

const DELETED_USER = 'Deleted user';

/**
 * A conversation as one user sees it, from its row, its active and former members and what the loader
 * read.
 */
export function presentConversation(
  row: ConversationWithMembership,
  userId: string,
  related: {
    members: readonly MemberProfile[];
    /** Members who left or were removed; none when left out. */
    formerMembers?: readonly FormerMemberProfile[];
    unreadCount: number;
    /** Unread messages that mention the user. */
    mentionCount: number;
    lastMessage: Message | null;
  },
): Conversation {
  // A deleted account leaves its groups, so only a direct conversation can still list one.
  const peerDeleted =
    row.type === 'direct' && related.members.some((m) => m.user_id !== userId && m.deleted_at !== null);
  return {
    id: row.id,
    type: row.type,
    title: row.title,
    // The owner first, then admins, then members, each in joining order (the sort is stable).
    members: [...related.members]
      .sort((a, b) => ROLE_ORDER[a.role] - ROLE_ORDER[b.role])
      .map((m) => ({
        id: m.user_id,
        displayName: m.deleted_at === null ? m.display_name : DELETED_USER,
        role: m.role,
      })),
    formerMembers: (related.formerMembers ?? []).map((m) => ({
      id: m.user_id,
      displayName: m.deleted_at === null ? m.display_name : DELETED_USER,
    })),
    lastMessage: related.lastMessage,
    unreadCount: related.unreadCount,
    mentionCount: related.mentionCount,
    lastSeq: Number(row.last_seq),
    lastRev: Number(row.last_rev),
    lastReadSeq: Number(row.last_read_seq),
    updatedAt: fromDbTime(row.updated_at),
    readOnly: peerDeleted,
    peerDeleted,
    muted: Number(row.muted) === 1,
    archived: row.archived_at_seq !== null && Number(row.last_seq) <= Number(row.archived_at_seq),
  };
}

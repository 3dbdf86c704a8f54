import type { Conversation } from '@parley/contract';
import type { Selectable } from 'kysely';
import type { ConversationMembersTable, UsersTable } from '../../db/schema.js';
import { fromDbTime } from '../../db/time.js';
import { presentMessage } from '../messages/message.presenter.js';
import type { AttachmentRow, MessageRow } from '../messages/message.repository.js';
import type { ConversationRow } from './conversation.repository.js';

export type ConversationWithMembership = ConversationRow & { last_read_seq: number };

/** An active member as a conversation shows them: membership and the person's name (or that they left). */
export type MemberSummary = Pick<
  Selectable<ConversationMembersTable>,
  'conversation_id' | 'user_id' | 'role'
> &
  Pick<Selectable<UsersTable>, 'display_name' | 'deleted_at'>;

/**
 * What a conversation shows besides its own row, loaded for a page of conversations at once
 * (`loadConversationViews`): active members, the caller's unread counts, last messages and their attachments.
 */
export interface ConversationExtras {
  /** In display order (joined first). */
  readonly members: readonly MemberSummary[];
  /** Unread messages per conversation id; absent means none. */
  readonly unread: ReadonlyMap<string, number>;
  readonly lastMessages: readonly MessageRow[];
  /** Attachments per message id. */
  readonly attachments: ReadonlyMap<string, readonly AttachmentRow[]>;
}

/** The contract shape of conversations as one user sees them. Pure: everything it shows is passed in. */
export function presentConversations(
  userId: string,
  rows: readonly ConversationWithMembership[],
  extras: ConversationExtras,
): Conversation[] {
  const lastById = new Map(extras.lastMessages.map((m) => [m.conversation_id, m]));
  const membersById = new Map<string, MemberSummary[]>();
  for (const member of extras.members) {
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
      lastMessage: lastRow ? presentMessage(lastRow, extras.attachments.get(lastRow.id)) : null,
      unreadCount: extras.unread.get(row.id) ?? 0,
      lastSeq: Number(row.last_seq),
      lastRev: Number(row.last_rev),
      lastReadSeq: Number(row.last_read_seq),
      updatedAt: fromDbTime(row.updated_at),
      readOnly: peerDeleted,
      peerDeleted,
    };
  });
}

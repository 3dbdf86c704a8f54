import { describe, expect, it } from 'vitest';
import type { AttachmentRow, MessageRow } from '../messages/message.repository.js';
import {
  type ConversationExtras,
  type ConversationWithMembership,
  type MemberSummary,
  presentConversations,
} from './conversation.presenter.js';

const T = '2026-01-02 03:04:05.678';

const conversation = (
  id: string,
  type: 'direct' | 'group',
  extra: Partial<ConversationWithMembership> = {},
): ConversationWithMembership => ({
  id,
  type,
  title: type === 'group' ? 'Team' : null,
  direct_key: null,
  created_by: 'ada',
  last_seq: 2,
  last_rev: 3,
  last_message_at: T,
  created_at: T,
  updated_at: T,
  deleted_at: null,
  last_read_seq: 1,
  ...extra,
});

const member = (
  conversationId: string,
  userId: string,
  extra: Partial<MemberSummary> = {},
): MemberSummary => ({
  conversation_id: conversationId,
  user_id: userId,
  role: 'member',
  display_name: userId.toUpperCase(),
  deleted_at: null,
  ...extra,
});

const message: MessageRow = {
  id: 'm2',
  conversation_id: 'g1',
  seq: 2,
  rev: 3,
  sender_id: 'bob',
  client_id: 'c2',
  body: 'hello',
  created_at: T,
  edited_at: null,
  deleted_at: null,
};

const attachment: AttachmentRow = {
  id: 'a1',
  conversation_id: 'g1',
  uploader_id: 'bob',
  message_id: 'm2',
  storage_key: 'k',
  name: 'notes.txt',
  content_type: 'text/plain; charset=utf-8',
  size: 5,
  sha256: 'x',
  created_at: T,
  deleted_at: null,
  purge_claim: null,
  purge_claimed_at: null,
  purged_at: null,
};

describe('presentConversations (pure: shapes what the repositories loaded)', () => {
  const extras: ConversationExtras = {
    members: [
      member('g1', 'ada', { role: 'owner' }),
      member('g1', 'bob'),
      member('d1', 'ada'),
      member('d1', 'cy', { deleted_at: T }),
    ],
    unread: new Map([['g1', 1]]),
    lastMessages: [message],
    attachments: new Map([['m2', [attachment]]]),
  };

  it('shapes rows, members, unread counts and the last message with its attachments', () => {
    const [group] = presentConversations('ada', [conversation('g1', 'group')], extras);
    expect(group).toEqual({
      id: 'g1',
      type: 'group',
      title: 'Team',
      members: [
        { id: 'ada', displayName: 'ADA', role: 'owner' },
        { id: 'bob', displayName: 'BOB', role: 'member' },
      ],
      lastMessage: {
        id: 'm2',
        conversationId: 'g1',
        seq: 2,
        rev: 3,
        senderId: 'bob',
        clientId: 'c2',
        body: 'hello',
        attachments: [{ id: 'a1', name: 'notes.txt', size: 5, contentType: 'text/plain; charset=utf-8' }],
        createdAt: '2026-01-02T03:04:05.678Z',
        editedAt: null,
        deletedAt: null,
      },
      unreadCount: 1,
      lastSeq: 2,
      lastRev: 3,
      lastReadSeq: 1,
      updatedAt: '2026-01-02T03:04:05.678Z',
      readOnly: false,
      peerDeleted: false,
    });
  });

  it('marks a direct conversation with a deleted peer read-only and names the peer "Deleted user"', () => {
    const [direct] = presentConversations('ada', [conversation('d1', 'direct', { last_seq: 0 })], extras);
    expect(direct).toMatchObject({
      members: [
        { id: 'ada', displayName: 'ADA' },
        { id: 'cy', displayName: 'Deleted user' },
      ],
      lastMessage: null,
      unreadCount: 0,
      readOnly: true,
      peerDeleted: true,
    });
  });

  it('keeps the order of the rows it is given', () => {
    const rows = [conversation('d1', 'direct'), conversation('g1', 'group')];
    expect(presentConversations('ada', rows, extras).map((c) => c.id)).toEqual(['d1', 'g1']);
  });
});

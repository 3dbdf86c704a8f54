import type { Message } from '@parley/contract';
import { describe, expect, it } from 'vitest';
import { type ConversationWithMembership, presentConversation } from './conversation.presenter.js';
import type { MemberProfile } from './member.repository.js';

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
  muted: 0,
  archived_at_seq: null,
  ...extra,
});

const member = (
  conversationId: string,
  userId: string,
  extra: Partial<MemberProfile> = {},
): MemberProfile => ({
  conversation_id: conversationId,
  user_id: userId,
  role: 'member',
  joined_at: T,
  display_name: userId.toUpperCase(),
  deleted_at: null,
  ...extra,
});

const lastMessage: Message = {
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
  reactions: [],
  replyTo: null,
  mentionIds: ['ada'],
  kind: 'text',
  system: null,
};

describe('presentConversation (pure: shapes what the loader read)', () => {
  it('shapes the row, its members, the unread count and the last message', () => {
    const group = presentConversation(conversation('g1', 'group'), 'ada', {
      members: [member('g1', 'ada', { role: 'owner' }), member('g1', 'bob')],
      unreadCount: 1,
      mentionCount: 1,
      lastMessage,
    });
    expect(group).toEqual({
      id: 'g1',
      type: 'group',
      title: 'Team',
      members: [
        { id: 'ada', displayName: 'ADA', role: 'owner' },
        { id: 'bob', displayName: 'BOB', role: 'member' },
      ],
      formerMembers: [],
      lastMessage,
      unreadCount: 1,
      mentionCount: 1,
      lastSeq: 2,
      lastRev: 3,
      lastReadSeq: 1,
      updatedAt: '2026-01-02T03:04:05.678Z',
      readOnly: false,
      peerDeleted: false,
      muted: false,
      archived: false,
    });
  });

  it('lists the owner first, then admins, then members, each in joining order', () => {
    const group = presentConversation(conversation('g1', 'group'), 'ada', {
      members: [
        member('g1', 'ada'),
        member('g1', 'bob', { role: 'admin' }),
        member('g1', 'cy', { role: 'owner' }),
        member('g1', 'dee'),
        member('g1', 'eve', { role: 'admin' }),
      ],
      unreadCount: 0,
      mentionCount: 0,
      lastMessage: null,
    });
    expect(group.members.map((m) => `${m.id}:${m.role}`)).toEqual([
      'cy:owner',
      'bob:admin',
      'eve:admin',
      'ada:member',
      'dee:member',
    ]);
  });

  it('is archived while nothing was posted after the archiving seq, and says muted', () => {
    const at = (extra: Partial<ConversationWithMembership>) =>
      presentConversation(conversation('g1', 'group', extra), 'ada', {
        members: [member('g1', 'ada', { role: 'owner' })],
        unreadCount: 0,
        mentionCount: 0,
        lastMessage: null,
      });
    expect(at({ archived_at_seq: 2 })).toMatchObject({ archived: true, muted: false });
    expect(at({ archived_at_seq: 1 })).toMatchObject({ archived: false });
    expect(at({ archived_at_seq: null, muted: 1 })).toMatchObject({ archived: false, muted: true });
  });

  it('marks a direct conversation with a deleted peer read-only and names the peer "Deleted user"', () => {
    const direct = presentConversation(conversation('d1', 'direct', { last_seq: 0 }), 'ada', {
      members: [member('d1', 'ada'), member('d1', 'cy', { deleted_at: T })],
      unreadCount: 0,
      mentionCount: 0,
      lastMessage: null,
    });
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

  it('names former members, a deleted account as "Deleted user"', () => {
    const group = presentConversation(conversation('g1', 'group'), 'ada', {
      members: [member('g1', 'ada', { role: 'owner' })],
      formerMembers: [
        { conversation_id: 'g1', user_id: 'bob', left_at: T, display_name: 'Bob', deleted_at: null },
        { conversation_id: 'g1', user_id: 'cy', left_at: T, display_name: 'Cy', deleted_at: T },
      ],
      unreadCount: 0,
      mentionCount: 0,
      lastMessage: null,
    });
    expect(group.formerMembers).toEqual([
      { id: 'bob', displayName: 'Bob' },
      { id: 'cy', displayName: 'Deleted user' },
    ]);
    expect(group.members).toEqual([{ id: 'ada', displayName: 'ADA', role: 'owner' }]);
  });

  it('does not call a group read-only for a deleted member (deleted accounts leave their groups)', () => {
    const group = presentConversation(conversation('g1', 'group'), 'ada', {
      members: [member('g1', 'ada'), member('g1', 'cy', { deleted_at: T })],
      unreadCount: 0,
      mentionCount: 0,
      lastMessage: null,
    });
    expect(group.readOnly).toBe(false);
  });
});

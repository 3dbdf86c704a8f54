import type { Conversation, Message } from '@parley/contract';
import type { OutboxItem } from '../src/realtime/outbox.js';

export const ME = 'user-me';
export const ADA = 'user-ada';

/** A time `seconds` after a fixed start, as the API writes it. */
export const at = (seconds: number) => new Date(Date.UTC(2026, 0, 1, 12, 0, seconds)).toISOString();

/** A stored message: `seq` n of conversation `c1` by Ada unless said otherwise; rev defaults to seq. */
export function message(seq: number, overrides: Partial<Message> = {}): Message {
  return {
    id: `m${seq}`,
    conversationId: 'c1',
    seq,
    rev: seq,
    senderId: ADA,
    clientId: `client-${seq}`,
    body: `message ${seq}`,
    attachments: [],
    createdAt: at(seq),
    editedAt: null,
    deletedAt: null,
    reactions: [],
    replyTo: null,
    mentionIds: [],
    kind: 'text',
    system: null,
    ...overrides,
  };
}

/** A group with Ada and me, its newest activity at `at(seconds)`. */
export function conversation(
  id: string,
  seconds: number,
  overrides: Partial<Conversation> = {},
): Conversation {
  return {
    id,
    type: 'group',
    title: `Group ${id}`,
    members: [
      { id: ME, displayName: 'Me', role: 'owner' },
      { id: ADA, displayName: 'Ada', role: 'member' },
    ],
    lastMessage: null,
    unreadCount: 0,
    mentionCount: 0,
    lastSeq: 0,
    lastRev: 0,
    lastReadSeq: 0,
    updatedAt: at(seconds),
    muted: false,
    archived: false,
    ...overrides,
  };
}

/** A message the user has just sent (not acknowledged yet). */
export function pending(clientId: string, overrides: Partial<OutboxItem> = {}): OutboxItem {
  return {
    clientId,
    conversationId: 'c1',
    body: `text of ${clientId}`,
    attachments: [],
    createdAt: at(0),
    status: 'sending',
    ...overrides,
  };
}

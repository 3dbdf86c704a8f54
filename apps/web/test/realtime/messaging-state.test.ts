import type { Message } from '@parley/contract';
import { describe, expect, it } from 'vitest';
import { reduceConversations } from '../../src/realtime/conversation-list.js';
import {
  INITIAL_STATE,
  type MessagingState,
  messageArrived,
  type Viewer,
} from '../../src/realtime/messaging-state.js';
import { reduceOutbox } from '../../src/realtime/outbox.js';
import { reducePresence } from '../../src/realtime/presence.js';
import { ADA, conversation, ME, message, pending } from '../fixtures.js';

const LIVE: Viewer = { userId: ME, live: true, activeConversation: 'c1' };

function withConversation(): MessagingState {
  const page = { conversations: [conversation('c1', 0)], nextCursor: null };
  return { ...INITIAL_STATE, ...reduceConversations(INITIAL_STATE, { type: 'first_page', page }) };
}

const arrive = (state: MessagingState, messages: [Message, 'new' | 'update' | 'ack'][], viewer = LIVE) =>
  messages.reduce((current, [m, kind]) => messageArrived(current, m, kind, viewer), state);

describe('a live message', () => {
  it('after a reconnect, replayed and live copies leave each message once, in order, edits kept', () => {
    const edit = message(2, { rev: 6, body: 'edited', editedAt: message(5).createdAt });
    const state = arrive(withConversation(), [
      [message(1), 'new'],
      [message(2), 'new'],
      // Offline meanwhile: 3 and 4 were sent and 2 was edited. The replay after the reconnect brings them,
      // and copies already on their way before the socket dropped still arrive too.
      [message(3), 'new'],
      [message(4), 'new'],
      [edit, 'update'],
      [message(4), 'new'],
      [message(2), 'update'],
    ]);
    expect(state.threads.c1?.messages.map((m) => [m.seq, m.body])).toEqual([
      [1, 'message 1'],
      [2, 'edited'],
      [3, 'message 3'],
      [4, 'message 4'],
    ]);
    expect(state.conversations.c1).toMatchObject({ lastSeq: 4, lastRev: 6, unreadCount: 4 });
  });

  it('settles our pending copy when the server acknowledges it, without counting it unread', () => {
    let state = withConversation();
    state = { ...state, outbox: reduceOutbox(state.outbox, { type: 'queued', item: pending('mine') }) };
    state = arrive(state, [[message(1, { senderId: ME, clientId: 'mine' }), 'ack']]);
    expect(state.outbox).toEqual([]);
    expect(state.threads.c1?.messages).toHaveLength(1);
    expect(state.conversations.c1?.unreadCount).toBe(0);
    expect(state.announcement).toBe('');
  });

  it('announces a new message from someone else in the open conversation, only when live', () => {
    const typing = reducePresence(withConversation(), {
      type: 'typing',
      conversationId: 'c1',
      userId: ADA,
      now: 0,
    });
    const state = { ...withConversation(), ...typing };
    const live = arrive(state, [[message(1, { body: 'Hello' }), 'new']]);
    expect(live.announcement).toBe('Ada: Hello');
    // Whoever sent a message has stopped typing.
    expect(live.typing).toEqual({ c1: {} });
    expect(arrive(state, [[message(1), 'new']], { ...LIVE, live: false }).announcement).toBe('');
    expect(arrive(state, [[message(1), 'new']], { ...LIVE, activeConversation: 'c2' }).announcement).toBe('');
    expect(arrive(state, [[message(1, { body: '' }), 'new']]).announcement).toBe('Ada: sent an attachment');
  });

  it('for a conversation not loaded yet, keeps the message for when it is', () => {
    const state = arrive(INITIAL_STATE, [[message(1, { conversationId: 'older' }), 'new']]);
    expect(state.conversations).toEqual({});
    expect(state.threads.older?.messages).toHaveLength(1);
  });
});

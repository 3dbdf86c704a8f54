import { describe, expect, it } from 'vitest';
import {
  type ConversationsEvent,
  type ConversationsState,
  INITIAL_LIST,
  listedConversations,
  mayHaveDroppedAMention,
  mergeInfo,
  reduceConversations,
  sortedConversations,
  withMessage,
  withUserRenamed,
} from '../../src/realtime/conversation-list.js';
import { ADA, conversation, ME, message } from '../fixtures.js';

const EMPTY: ConversationsState = { conversations: {}, removed: {}, list: INITIAL_LIST };
const apply = (state: ConversationsState, ...events: ConversationsEvent[]) =>
  events.reduce(reduceConversations, state);
const names = (state: ConversationsState) => sortedConversations(state.conversations).map((c) => c.id);
/** Conversations c<n>, newest first: c9 at 9 s, c8 at 8 s, … */
const page = (numbers: number[], nextCursor: string | null) => ({
  type: 'first_page' as const,
  page: { conversations: numbers.map((n) => conversation(`c${n}`, n)), nextCursor },
});

describe('conversation list', () => {
  it('shows the first page newest first, and pages further down after it', () => {
    expect(EMPTY.list).toEqual({ ready: false, nextCursor: null });
    let state = apply(EMPTY, page([9, 8, 7], 'after-7'));
    expect(state.list).toEqual({ ready: true, nextCursor: 'after-7' });
    state = apply(state, {
      type: 'more_loaded',
      cursor: 'after-7',
      page: { conversations: [conversation('c6', 6), conversation('c5', 5)], nextCursor: null },
    });
    expect(names(state)).toEqual(['c9', 'c8', 'c7', 'c6', 'c5']);
    expect(state.list).toEqual({ ready: true, nextCursor: null });
  });

  it('sorts by newest activity (the last message or the conversation itself), ties by id descending', () => {
    const state = apply(EMPTY, {
      type: 'first_page',
      page: {
        conversations: [
          conversation('a', 5),
          conversation('b', 5),
          conversation('c', 1, {
            lastMessage: message(1, { conversationId: 'c', createdAt: '2026-02-01T00:00:00.000Z' }),
          }),
        ],
        nextCursor: null,
      },
    });
    expect(names(state)).toEqual(['c', 'b', 'a']);
  });

  it('keeps a conversation opened by deep link before the list arrived', () => {
    const state = apply(
      EMPTY,
      { type: 'adopted', conversation: conversation('deep', 1) },
      page([9, 8], null),
    );
    expect(names(state)).toEqual(['c9', 'c8', 'deep']);
  });

  it('on a refresh, drops what the first page should hold but does not, and keeps older pages loaded', () => {
    let state = apply(EMPTY, page([9, 8, 7], 'after-7'), {
      type: 'more_loaded',
      cursor: 'after-7',
      page: { conversations: [conversation('c6', 6), conversation('c5', 5)], nextCursor: 'after-5' },
    });
    // After a reconnect: c8 was left meanwhile, c10 is new; c6 and c5 are beyond the refreshed page.
    state = apply(state, page([10, 9, 7], 'after-7'));
    expect(names(state)).toEqual(['c10', 'c9', 'c7', 'c6', 'c5']);
    // Loading more goes on after the oldest loaded, not again from the first page's end.
    expect(state.list.nextCursor).toBe('after-5');
  });

  it('keeps a page that arrives after a refresh moved the cursor on, without moving the cursor back', () => {
    let state = apply(EMPTY, page([9], 'after-9'));
    state = apply(state, page([10, 9], 'after-9b'), {
      type: 'more_loaded',
      cursor: 'after-9',
      page: { conversations: [conversation('c3', 3)], nextCursor: 'after-3' },
    });
    expect(names(state)).toEqual(['c10', 'c9', 'c3']);
    expect(state.list.nextCursor).toBe('after-9b');
  });

  it('does not bring back a conversation the user left from a page read before, until it is adopted again', () => {
    let state = apply(EMPTY, page([9, 8], 'after-8'), { type: 'forgotten', conversationId: 'c9' });
    state = apply(state, {
      type: 'more_loaded',
      cursor: 'after-8',
      page: { conversations: [conversation('c9', 9)], nextCursor: null },
    });
    expect(names(state)).toEqual(['c8']);
    state = apply(state, { type: 'adopted', conversation: conversation('c9', 9) });
    expect(names(state)).toEqual(['c9', 'c8']);
    expect(state.removed).toEqual({});
  });

  it('keeps what live events delivered when a fetched snapshot is older', () => {
    const live = withMessage(conversation('c1', 1), message(3), ME);
    const former = [{ id: 'user-bob', displayName: 'Bob' }];
    const snapshot = conversation('c1', 1, {
      lastSeq: 2,
      lastRev: 2,
      title: 'Renamed',
      formerMembers: former,
    });
    // Who is (and was) in it comes from the snapshot all the same.
    expect(mergeInfo(live, snapshot)).toMatchObject({
      lastSeq: 3,
      unreadCount: 1,
      title: 'Renamed',
      formerMembers: former,
    });
    // A read marker posted but not stored yet when the snapshot was taken stays.
    const read = { ...live, lastReadSeq: 3, unreadCount: 0 };
    const fresher = conversation('c1', 1, { lastSeq: 3, lastRev: 3, lastReadSeq: 1, unreadCount: 2 });
    expect(mergeInfo(read, fresher)).toMatchObject({ lastReadSeq: 3, unreadCount: 0 });
  });

  it('renames a person wherever a conversation lists them, and changes nothing elsewhere', () => {
    const bob = { id: 'user-bob', displayName: 'Bob' };
    let state = apply(EMPTY, {
      type: 'first_page',
      page: {
        conversations: [
          conversation('c1', 1),
          conversation('c2', 2, { formerMembers: [{ id: ADA, displayName: 'Ada' }, bob] }),
          conversation('c3', 3, { members: [{ id: ME, displayName: 'Me', role: 'owner' }] }),
        ],
        nextCursor: null,
      },
    });
    const before = state;
    state = apply(state, { type: 'user_renamed', user: { id: ADA, displayName: 'Ada Lovelace' } });
    expect(state.conversations.c1?.members).toContainEqual({
      id: ADA,
      displayName: 'Ada Lovelace',
      role: 'member',
    });
    expect(state.conversations.c2?.formerMembers).toEqual([{ id: ADA, displayName: 'Ada Lovelace' }, bob]);
    // A conversation without Ada is the same object; so is the state after the same name again.
    expect(state.conversations.c3).toBe(before.conversations.c3);
    expect(apply(state, { type: 'user_renamed', user: { id: ADA, displayName: 'Ada Lovelace' } })).toBe(
      state,
    );
    expect(apply(state, { type: 'user_renamed', user: { id: 'user-nobody', displayName: 'X' } })).toBe(state);
    const c1 = state.conversations.c1;
    if (c1)
      expect(withUserRenamed(c1, { id: ME, displayName: 'Me again' }).members[0]?.displayName).toBe(
        'Me again',
      );
  });

  it('counts a live message as unread only when it is new, from someone else, beyond the read marker', () => {
    const start = conversation('c1', 1, { lastSeq: 4, lastRev: 4, lastReadSeq: 4 });
    const fromAda = withMessage(start, message(5, { createdAt: '2026-03-01T00:00:00.000Z' }), ME);
    expect(fromAda).toMatchObject({ lastSeq: 5, unreadCount: 1, updatedAt: '2026-03-01T00:00:00.000Z' });
    expect(withMessage(start, message(5, { senderId: ME }), ME).unreadCount).toBe(0);
    // An edit of an older message moves rev (and the preview if it is the last message), not the count.
    const edit = withMessage(fromAda, message(5, { rev: 7, body: 'edited' }), ME);
    expect(edit).toMatchObject({ unreadCount: 1, lastRev: 7, lastSeq: 5 });
    expect(edit.lastMessage?.body).toBe('edited');
    expect(withMessage(edit, message(2, { rev: 8, senderId: ADA }), ME).lastMessage?.body).toBe('edited');
  });

  it('moves the read marker forward only, here and from another device', () => {
    const state = apply(EMPTY, {
      type: 'first_page',
      page: {
        conversations: [conversation('c1', 1, { lastSeq: 6, lastReadSeq: 2, unreadCount: 4 })],
        nextCursor: null,
      },
    });
    const here = apply(state, { type: 'read', conversationId: 'c1', seq: 6, elsewhere: false });
    expect(here.conversations.c1).toMatchObject({ lastReadSeq: 6, unreadCount: 0 });
    expect(apply(here, { type: 'read', conversationId: 'c1', seq: 6, elsewhere: false })).toBe(here);
    const elsewhere = apply(state, { type: 'read', conversationId: 'c1', seq: 4, elsewhere: true });
    expect(elsewhere.conversations.c1).toMatchObject({ lastReadSeq: 4, unreadCount: 4 });
    expect(apply(elsewhere, { type: 'read', conversationId: 'c1', seq: 3, elsewhere: true })).toBe(elsewhere);
    expect(
      apply(state, { type: 'read', conversationId: 'c1', seq: 6, elsewhere: true }).conversations.c1,
    ).toMatchObject({
      unreadCount: 0,
    });
  });

  it('never counts a timeline line as unread, but moves the counters and activity with it', () => {
    const start = conversation('c1', 1, { lastSeq: 4, lastRev: 4, lastReadSeq: 4 });
    const line = message(5, {
      kind: 'system',
      body: '',
      system: { event: 'renamed', actorId: ADA, title: 'New name' },
      createdAt: '2026-03-01T00:00:00.000Z',
    });
    expect(withMessage(start, line, ME)).toMatchObject({
      lastSeq: 5,
      unreadCount: 0,
      updatedAt: '2026-03-01T00:00:00.000Z',
      lastMessage: line,
    });
  });

  it('an archived conversation leaves the default list and comes back with the next message, not an edit', () => {
    const state = apply(EMPTY, {
      type: 'first_page',
      page: {
        conversations: [
          conversation('c1', 1, { lastSeq: 3, lastRev: 3 }),
          conversation('c2', 2, { lastSeq: 2, lastRev: 2, archived: true }),
        ],
        nextCursor: null,
      },
    });
    const ids = (s: ConversationsState, archived: boolean) =>
      listedConversations(s.conversations, archived).map((c) => c.id);
    expect(ids(state, false)).toEqual(['c1']);
    expect(ids(state, true)).toEqual(['c2']);
    const edited = apply(state, {
      type: 'message',
      message: message(2, { conversationId: 'c2', rev: 5 }),
      userId: ME,
    });
    expect(ids(edited, true)).toEqual(['c2']);
    const back = apply(edited, {
      type: 'message',
      message: message(3, { conversationId: 'c2', rev: 6 }),
      userId: ME,
    });
    expect(ids(back, false)).toEqual(['c2', 'c1']);
    expect(ids(back, true)).toEqual([]);
  });

  it('keeps archived conversations (loaded by the Archived view) when the first page is loaded again', () => {
    const state = apply(
      EMPTY,
      page([5], null),
      { type: 'adopted', conversation: conversation('c1', 1, { archived: true }) },
      page([5], null),
    );
    expect(names(state)).toEqual(['c5', 'c1']);
  });

  it('a snapshot older than live events keeps the new settings, and no archiving past a newer message', () => {
    const local = conversation('c1', 1, { lastSeq: 6, lastRev: 6 });
    const older = conversation('c1', 1, { lastSeq: 5, lastRev: 5, muted: true, archived: true });
    expect(mergeInfo(local, older)).toMatchObject({ lastSeq: 6, muted: true, archived: false });
    const same = conversation('c1', 1, { lastSeq: 6, lastRev: 5, archived: true });
    expect(mergeInfo(local, same)).toMatchObject({ archived: true });
  });
});

describe('mention counts', () => {
  it('count live mentions of the user beyond the read marker, and reset when read here or elsewhere', () => {
    let state = apply(EMPTY, page([1], null));
    state = apply(
      state,
      { type: 'message', message: message(1, { conversationId: 'c1', mentionIds: [ME] }), userId: ME },
      { type: 'message', message: message(2, { conversationId: 'c1', mentionIds: [ADA] }), userId: ME },
      { type: 'message', message: message(3, { conversationId: 'c1', mentionIds: [ME] }), userId: ME },
      // Our own message mentioning us, and a replayed one, change nothing.
      {
        type: 'message',
        message: message(4, { conversationId: 'c1', senderId: ME, mentionIds: [ME] }),
        userId: ME,
      },
      { type: 'message', message: message(3, { conversationId: 'c1', mentionIds: [ME] }), userId: ME },
    );
    expect(state.conversations.c1).toMatchObject({ unreadCount: 3, mentionCount: 2 });
    // Read in another tab up to seq 2: not everything, so the counts wait for the server.
    const partly = apply(state, { type: 'read', conversationId: 'c1', seq: 2, elsewhere: true });
    expect(partly.conversations.c1).toMatchObject({ lastReadSeq: 2, mentionCount: 2 });
    const elsewhere = apply(state, { type: 'read', conversationId: 'c1', seq: 4, elsewhere: true });
    expect(elsewhere.conversations.c1).toMatchObject({ unreadCount: 0, mentionCount: 0 });
    const here = apply(state, { type: 'read', conversationId: 'c1', seq: 4, elsewhere: false });
    expect(here.conversations.c1).toMatchObject({ unreadCount: 0, mentionCount: 0 });
  });

  it('keep a local read over an older snapshot', () => {
    const local = conversation('c1', 1, { lastSeq: 5, lastRev: 5, lastReadSeq: 5 });
    const fetched = conversation('c1', 1, {
      lastSeq: 5,
      lastRev: 5,
      lastReadSeq: 2,
      unreadCount: 3,
      mentionCount: 1,
    });
    expect(mergeInfo(local, fetched)).toMatchObject({ lastReadSeq: 5, unreadCount: 0, mentionCount: 0 });
  });

  it('fetch the counts again when an unread message from someone else is deleted while mentions are outstanding', () => {
    const withMention = conversation('c1', 1, { lastSeq: 5, lastReadSeq: 2, mentionCount: 1 });
    const deleted = (seq: number, extra = {}) =>
      message(seq, { conversationId: 'c1', deletedAt: '2026-03-01T00:00:00.000Z', mentionIds: [], ...extra });
    expect(mayHaveDroppedAMention(withMention, deleted(4), ME)).toBe(true);
    // Read already, our own, not deleted, or no mention left to lose: the live counts are right.
    expect(mayHaveDroppedAMention(withMention, deleted(2), ME)).toBe(false);
    expect(mayHaveDroppedAMention(withMention, deleted(4, { senderId: ME }), ME)).toBe(false);
    expect(mayHaveDroppedAMention(withMention, message(4, { conversationId: 'c1' }), ME)).toBe(false);
    expect(mayHaveDroppedAMention({ ...withMention, mentionCount: 0 }, deleted(4), ME)).toBe(false);
  });

  it('take the fetched counts once the deletion’s rev is in the snapshot', () => {
    const local = conversation('c1', 1, {
      lastSeq: 5,
      lastRev: 7,
      lastReadSeq: 2,
      unreadCount: 3,
      mentionCount: 1,
    });
    const fetched = { ...local, mentionCount: 0 };
    expect(mergeInfo(local, fetched).mentionCount).toBe(0);
  });
});

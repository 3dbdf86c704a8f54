import type { Reaction } from '@parley/contract';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  EMPTY_THREAD,
  mergeMessages,
  missingAfter,
  reduceThread,
  type Thread,
} from '../../src/realtime/history.js';
import { sendFrame } from '../../src/realtime/outbox.js';
import {
  currentQuote,
  hasReacted,
  reactedBy,
  rememberEmoji,
  withReaction,
} from '../../src/realtime/reactions.js';
import { ADA, at, ME, message, pending } from '../fixtures.js';

const BOB = 'user-bob';
const summary = (reactions: readonly Reaction[]) => reactions.map((r) => `${r.emoji}${r.userIds.join('+')}`);

describe('a reaction toggled locally', () => {
  it('adds the user to an emoji (a new emoji last) and removes them, dropping an emoji nobody has', () => {
    let reactions = withReaction([], '👍', ADA, true);
    reactions = withReaction(reactions, '🎉', ME, true);
    reactions = withReaction(reactions, '👍', ME, true);
    expect(reactions).toEqual([
      { emoji: '👍', count: 2, userIds: [ADA, ME] },
      { emoji: '🎉', count: 1, userIds: [ME] },
    ]);
    reactions = withReaction(reactions, '🎉', ME, false);
    expect(summary(reactions)).toEqual([`👍${ADA}+${ME}`]);
  });

  it('changes nothing (the same array) when the reaction is already as asked', () => {
    const reactions = withReaction([], '👍', ADA, true);
    expect(withReaction(reactions, '👍', ADA, true)).toBe(reactions);
    expect(withReaction(reactions, '👍', ME, false)).toBe(reactions);
    expect(withReaction(reactions, '🎉', ME, false)).toBe(reactions);
  });

  it('keeps counts equal to the users listed, whatever the sequence of toggles', () => {
    const toggle = fc.record({
      emoji: fc.constantFrom('👍', '🎉', '❤️'),
      user: fc.constantFrom(ADA, ME, BOB),
      on: fc.boolean(),
    });
    fc.assert(
      fc.property(fc.array(toggle, { maxLength: 40 }), (toggles) => {
        let reactions: readonly Reaction[] = [];
        const expected = new Map<string, Set<string>>();
        for (const { emoji, user, on } of toggles) {
          reactions = withReaction(reactions, emoji, user, on);
          const users = expected.get(emoji) ?? new Set();
          if (on) users.add(user);
          else users.delete(user);
          expected.set(emoji, users);
        }
        for (const reaction of reactions) {
          expect(reaction.count).toBe(reaction.userIds.length);
          expect(new Set(reaction.userIds)).toEqual(expected.get(reaction.emoji));
        }
        const nonEmpty = [...expected].filter(([, users]) => users.size > 0).map(([emoji]) => emoji);
        expect(reactions.map((r) => r.emoji).sort()).toEqual(nonEmpty.sort());
      }),
    );
  });

  it('shows on a held message at once, is undone by the opposite event, and yields to the server copy', () => {
    const held = reduceThread(EMPTY_THREAD, { type: 'merged', messages: [message(1), message(2)] });
    const reacted = reduceThread(held, {
      type: 'reacted',
      messageId: 'm2',
      emoji: '👍',
      userId: ME,
      on: true,
    });
    expect(hasReacted(reacted.messages[1] ?? message(0), '👍', ME)).toBe(true);
    expect(reacted.messages[1]?.rev).toBe(2);
    expect(reacted.messages[0]).toBe(held.messages[0]);
    // The request failed: undone.
    const undone = reduceThread(reacted, {
      type: 'reacted',
      messageId: 'm2',
      emoji: '👍',
      userId: ME,
      on: false,
    });
    expect(undone.messages[1]?.reactions).toEqual([]);
    // The server's copy (a higher rev) replaces the local one, whatever it says.
    const server = message(2, { rev: 5, reactions: [{ emoji: '🎉', count: 1, userIds: [ADA] }] });
    const replaced = reduceThread(reacted, { type: 'updated', message: server });
    expect(replaced.messages[1]).toEqual(server);
    // A message not held, or deleted, takes no local reaction.
    expect(reduceThread(held, { type: 'reacted', messageId: 'm9', emoji: '👍', userId: ME, on: true })).toBe(
      held,
    );
    const deleted = reduceThread(reacted, { type: 'deleted', messageId: 'm2', at: at(9) });
    expect(deleted.messages[1]?.reactions).toEqual([]);
    expect(
      reduceThread(deleted, { type: 'reacted', messageId: 'm2', emoji: '👍', userId: ME, on: true }),
    ).toBe(deleted);
  });

  it('a live reaction update (same seq, higher rev) wins over a replayed older copy, in any order', () => {
    const withThumb = message(3, { rev: 7, reactions: [{ emoji: '👍', count: 1, userIds: [ADA] }] });
    const first = mergeMessages([message(3)], [withThumb]);
    expect(mergeMessages(first, [message(3)])).toBe(first);
    expect(mergeMessages(mergeMessages([], [withThumb]), [message(3)])[0]).toEqual(withThumb);
  });
});

describe('reaction words and recent emoji', () => {
  const names: Record<string, string> = {
    [ADA]: 'Ada',
    [BOB]: 'Bob',
    c: 'Cyd',
    d: 'Dan',
    e: 'Eve',
    f: 'Fay',
  };
  const nameOf = (id: string) => names[id] ?? 'Former member';
  const reaction = (...userIds: string[]): Reaction => ({ emoji: '👍', count: userIds.length, userIds });

  it('names who reacted, the viewer first as "You", then "and N others"', () => {
    expect(reactedBy(reaction(ME), ME, nameOf)).toBe('You');
    expect(reactedBy(reaction(ADA), ME, nameOf)).toBe('Ada');
    expect(reactedBy(reaction(ADA, ME), ME, nameOf)).toBe('You and Ada');
    expect(reactedBy(reaction(ADA, BOB, 'c'), ME, nameOf)).toBe('Ada, Bob and Cyd');
    expect(reactedBy(reaction(ADA, BOB, 'c', 'd', 'e', 'f', ME), ME, nameOf)).toBe(
      'You, Ada, Bob, Cyd and 3 others',
    );
  });

  it('keeps recent emoji newest first, each once, at most eight', () => {
    let recent: string[] = [];
    for (const emoji of ['👍', '🎉', '👍', '1', '2', '3', '4', '5', '6', '7'])
      recent = rememberEmoji(recent, emoji);
    expect(recent).toEqual(['7', '6', '5', '4', '3', '2', '1', '👍']);
  });
});

describe('replies', () => {
  const quote = { id: 'm1', seq: 1, senderId: ADA, excerpt: 'message 1', deleted: false };

  it('quotes the held original as it is now: edited text, or deleted', () => {
    expect(currentQuote(quote, undefined)).toBe(quote);
    expect(currentQuote(quote, message(1))).toBe(quote);
    expect(currentQuote(quote, message(1, { body: 'changed   text\n', rev: 9 }))).toEqual({
      ...quote,
      excerpt: 'changed text',
    });
    expect(currentQuote(quote, message(1, { body: '', deletedAt: at(5) }))).toEqual({
      ...quote,
      excerpt: '',
      deleted: true,
    });
  });

  it('sends the original’s id with a reply, and nothing extra without one', () => {
    expect(sendFrame(pending('r', { replyTo: quote }))).toMatchObject({ type: 'send', replyToId: 'm1' });
    expect(sendFrame(pending('plain'))).not.toHaveProperty('replyToId');
  });
});

describe('jumping to an older message', () => {
  /** The newest page (41–50) held, as after opening a long conversation. */
  const latest = (): Thread =>
    reduceThread(EMPTY_THREAD, {
      type: 'latest_loaded',
      messages: Array.from({ length: 10 }, (_, i) => message(41 + i)),
      hasMore: true,
    });
  const seqs = (thread: Thread) => thread.messages.map((m) => m.seq);

  it('holds a page around the original, with the gap after it as a known hole, not as missing', () => {
    const jumped = reduceThread(latest(), {
      type: 'around_loaded',
      messages: [message(8), message(9), message(10), message(11), message(12)],
      hasMore: true,
      hasMoreAfter: true,
    });
    expect(seqs(jumped)).toEqual([8, 9, 10, 11, 12, ...Array.from({ length: 10 }, (_, i) => 41 + i)]);
    expect(jumped.holes).toEqual([12]);
    expect(jumped.hasMoreBefore).toBe(true);
    // The safety net does not refetch the hole, but still finds the tail.
    expect(missingAfter(jumped.messages, 50, jumped.holes)).toBeUndefined();
    expect(missingAfter(jumped.messages, 52, jumped.holes)).toBe(50);
    expect(missingAfter(jumped.messages, 50)).toBe(12);
  });

  it('fills the hole page by page until it closes', () => {
    let thread = reduceThread(latest(), {
      type: 'around_loaded',
      messages: [message(20), message(21), message(22)],
      hasMore: false,
      hasMoreAfter: true,
    });
    expect(thread.hasMoreBefore).toBe(false);
    thread = reduceThread(thread, { type: 'gap_loading', after: 22 });
    expect(thread.loadingGap).toBe(22);
    thread = reduceThread(thread, {
      type: 'gap_loaded',
      after: 22,
      messages: Array.from({ length: 10 }, (_, i) => message(23 + i)),
    });
    expect(thread.holes).toEqual([32]);
    expect(thread.loadingGap).toBeUndefined();
    thread = reduceThread(thread, {
      type: 'gap_loaded',
      after: 32,
      messages: Array.from({ length: 10 }, (_, i) => message(33 + i)),
    });
    expect(thread.holes).toEqual([]);
    expect(seqs(thread)).toEqual(Array.from({ length: 31 }, (_, i) => 20 + i));
  });

  it('closes a hole that other loads filled, and keeps loading failures visible', () => {
    let thread = reduceThread(latest(), {
      type: 'around_loaded',
      messages: [message(38), message(39)],
      hasMore: true,
      hasMoreAfter: true,
    });
    expect(thread.holes).toEqual([39]);
    thread = reduceThread(thread, { type: 'merged', messages: [message(40)] });
    expect(thread.holes).toEqual([]);
    const failed = reduceThread(reduceThread(thread, { type: 'gap_loading', after: 1 }), {
      type: 'gap_failed',
      error: 'offline',
    });
    expect(failed).toMatchObject({ loadingGap: undefined, gapError: 'offline' });
  });

  it('records the gap before the page too, when older history was already held', () => {
    let thread = reduceThread(latest(), {
      type: 'older_loaded',
      messages: [message(1), message(2)],
      hasMore: false,
    });
    thread = reduceThread(thread, {
      type: 'around_loaded',
      messages: [message(20), message(21)],
      hasMore: true,
      hasMoreAfter: true,
    });
    expect(thread.holes).toEqual([2, 21]);
    // Not the start: older ones are held, so "more before" stays as it was.
    expect(thread.hasMoreBefore).toBe(false);
  });
});

import type { Message } from '@parley/contract';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  advance,
  EMPTY_THREAD,
  mergeMessages,
  missingAfter,
  reduceThread,
  type Thread,
  type ThreadEvent,
} from '../../src/realtime/history.js';
import { at, message } from '../fixtures.js';

const seqs = (messages: readonly Message[]) => messages.map((m) => m.seq);
const thread = (...events: ThreadEvent[]): Thread => events.reduce(reduceThread, EMPTY_THREAD);

describe('history merge', () => {
  it('holds every message once, in seq order, whatever order and however often copies arrive', () => {
    // Messages 1..n, some edited or deleted later (a higher rev); deliveries are every copy, possibly
    // several times, shuffled and cut into batches: live events, a replay after a reconnect, API pages.
    const scenario = fc.integer({ min: 1, max: 30 }).chain((count) =>
      fc.record({
        count: fc.constant(count),
        edits: fc.uniqueArray(fc.integer({ min: 1, max: count }), { maxLength: count }),
        repeats: fc.array(fc.integer({ min: 1, max: 3 }), { minLength: count * 2, maxLength: count * 2 }),
        order: fc.array(fc.nat(), { minLength: count * 6, maxLength: count * 6 }),
        cuts: fc.array(fc.integer({ min: 1, max: 5 }), { minLength: count * 6, maxLength: count * 6 }),
      }),
    );
    fc.assert(
      fc.property(scenario, ({ count, edits, repeats, order, cuts }) => {
        const originals = Array.from({ length: count }, (_, i) => message(i + 1));
        const edited = edits.map((seq, i) =>
          message(seq, { rev: count + 1 + i, body: `edited ${seq}`, editedAt: at(100 + i) }),
        );
        const copies = [...originals, ...edited].flatMap((copy, i) =>
          Array.from({ length: repeats[i] ?? 1 }, () => copy),
        );
        const shuffled = copies
          .map((copy, i) => ({ copy, key: order[i] ?? i }))
          .sort((a, b) => a.key - b.key)
          .map(({ copy }) => copy);
        let held: readonly Message[] = [];
        for (let start = 0, batch = 0; start < shuffled.length; batch++) {
          const size = cuts[batch] ?? 1;
          held = mergeMessages(held, shuffled.slice(start, start + size));
          start += size;
        }
        const expected = originals.map((original) => edited.find((e) => e.seq === original.seq) ?? original);
        expect(held).toEqual(expected);
      }),
    );
  });

  it('keeps an edit when an older copy of the message arrives after it', () => {
    const edit = message(2, { rev: 9, body: 'edited', editedAt: at(50) });
    const held = mergeMessages([message(1), edit], [message(2), message(3)]);
    expect(held.map((m) => m.body)).toEqual(['message 1', 'edited', 'message 3']);
  });

  it('returns the same array when nothing is new, so React skips the render', () => {
    const held = mergeMessages([], [message(1), message(2)]);
    expect(mergeMessages(held, [message(2), message(1)])).toBe(held);
    expect(mergeMessages(held, [])).toBe(held);
  });

  it('finds the first hole between held messages, then the tail behind the newest the server named', () => {
    expect(missingAfter([message(1), message(2), message(5), message(6), message(9)])).toBe(2);
    expect(missingAfter([message(1), message(2)], 2)).toBeUndefined();
    expect(missingAfter([message(1), message(2)], 4)).toBe(2);
    expect(missingAfter([], 3)).toBe(0);
    expect(missingAfter([])).toBeUndefined();
  });
});

describe('thread', () => {
  it('loads the newest page, then older pages in front of it', () => {
    let current = thread({ type: 'latest_loading' });
    expect(current.history).toBe('loading');
    current = reduceThread(current, {
      type: 'latest_loaded',
      messages: [message(3), message(4)],
      hasMore: true,
    });
    current = reduceThread(current, { type: 'older_loading' });
    expect(current.loadingOlder).toBe(true);
    current = reduceThread(current, {
      type: 'older_loaded',
      messages: [message(1), message(2)],
      hasMore: false,
    });
    expect(current).toMatchObject({ history: 'loaded', hasMoreBefore: false, loadingOlder: false });
    expect(seqs(current.messages)).toEqual([1, 2, 3, 4]);
  });

  it('keeps the messages held when loading fails, and says why', () => {
    const loaded = thread({ type: 'latest_loaded', messages: [message(1)], hasMore: true });
    const failed = reduceThread(loaded, { type: 'older_failed', error: 'offline' });
    expect(failed).toMatchObject({ loadingOlder: false, olderError: 'offline', messages: loaded.messages });
    expect(reduceThread(loaded, { type: 'failed', error: 'gone' })).toMatchObject({
      history: 'error',
      historyError: 'gone',
      messages: loaded.messages,
    });
  });

  it('applies an edit only to a message it holds (older history is not loaded for it)', () => {
    const loaded = thread({ type: 'latest_loaded', messages: [message(5), message(6)], hasMore: true });
    expect(reduceThread(loaded, { type: 'updated', message: message(2, { rev: 9 }) })).toBe(loaded);
    const edited = reduceThread(loaded, { type: 'updated', message: message(6, { rev: 9, body: 'new' }) });
    expect(edited.messages.map((m) => m.body)).toEqual(['message 5', 'new']);
  });

  it('shows a deleted message as deleted at once', () => {
    const loaded = thread({ type: 'merged', messages: [message(1, { body: 'secret' })] });
    const deleted = reduceThread(loaded, { type: 'deleted', messageId: 'm1', at: at(60) });
    expect(deleted.messages[0]).toMatchObject({ body: '', attachments: [], deletedAt: at(60), seq: 1 });
  });
});

describe('resume point', () => {
  it('moves with new messages, only its rev with edits, and not with our own acknowledgements', () => {
    const start = { seq: 4, rev: 4 };
    expect(advance(start, message(5), 'new')).toEqual({ seq: 5, rev: 5 });
    expect(advance(start, message(2, { rev: 8 }), 'update')).toEqual({ seq: 4, rev: 8 });
    expect(advance(start, message(9), 'ack')).toEqual(start);
    // A late copy never moves it back.
    expect(advance({ seq: 9, rev: 12 }, message(5), 'new')).toEqual({ seq: 9, rev: 12 });
  });
});

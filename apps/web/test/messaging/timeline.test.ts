import type { Message } from '@parley/contract';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  buildTimeline,
  dayLabel,
  GROUP_WINDOW_MS,
  isNewDay,
  type TimelineItem,
} from '../../src/messaging/timeline.js';
import { ADA, ME, message } from '../fixtures.js';

const BOB = 'user-bob';

/** A message at a local time (so day boundaries do not depend on the machine's time zone). */
function at(seq: number, sender: string, local: [number, number, number, number, number]): Message {
  const [year, month, day, hour, minute] = local;
  return message(seq, {
    senderId: sender,
    createdAt: new Date(year, month - 1, day, hour, minute).toISOString(),
  });
}

/** The timeline in short: "day", "unread", "gap", or "seq" with "+" when it continues a group. */
function shape(items: TimelineItem[]): string[] {
  return items.map((item) =>
    item.kind === 'message' ? `${item.message.seq}${item.continued ? '+' : ''}` : item.kind,
  );
}

describe('the timeline of a conversation (grouping, days, divider)', () => {
  it('groups consecutive messages of one sender within five minutes, name and time once', () => {
    const messages = [
      at(1, ADA, [2026, 3, 2, 9, 0]),
      at(2, ADA, [2026, 3, 2, 9, 4]),
      at(3, ADA, [2026, 3, 2, 9, 8]), // 4 minutes after the one before: still the group
      at(4, ADA, [2026, 3, 2, 9, 14]), // 6 minutes later: a new group
      at(5, BOB, [2026, 3, 2, 9, 15]),
      at(6, ADA, [2026, 3, 2, 9, 15]),
    ];
    expect(shape(buildTimeline(messages, { me: ME }))).toEqual(['day', '1', '2+', '3+', '4', '5', '6']);
  });

  it('does not group across exactly five minutes or backwards in time', () => {
    const start = new Date(2026, 2, 2, 9, 0).getTime();
    const messages = [
      message(1, { createdAt: new Date(start).toISOString() }),
      message(2, { createdAt: new Date(start + GROUP_WINDOW_MS - 1).toISOString() }),
      message(3, { createdAt: new Date(start + 2 * GROUP_WINDOW_MS - 1).toISOString() }),
      message(4, { createdAt: new Date(start + GROUP_WINDOW_MS).toISOString() }),
    ];
    expect(shape(buildTimeline(messages, { me: ME }))).toEqual(['day', '1', '2+', '3', '4']);
  });

  it('puts a date separator before each new local day, which also starts a new group', () => {
    const messages = [
      at(1, ADA, [2026, 3, 1, 23, 58]),
      at(2, ADA, [2026, 3, 2, 0, 1]),
      at(3, ADA, [2026, 3, 2, 0, 2]),
      at(4, ADA, [2026, 3, 5, 10, 0]),
    ];
    const items = buildTimeline(messages, { me: ME });
    expect(shape(items)).toEqual(['day', '1', 'day', '2', '3+', 'day', '4']);
    expect(items.flatMap((item) => (item.kind === 'day' ? [item.key] : []))).toEqual([
      'day-2026-03-01',
      'day-2026-03-02',
      'day-2026-03-05',
    ]);
  });

  it('puts "New messages" before the first message from someone else after the read marker', () => {
    const messages = [
      at(1, ADA, [2026, 3, 2, 9, 0]),
      at(2, ME, [2026, 3, 2, 9, 1]),
      at(3, ME, [2026, 3, 2, 9, 1]),
      at(4, ADA, [2026, 3, 2, 9, 2]),
      at(5, ADA, [2026, 3, 2, 9, 3]),
    ];
    expect(shape(buildTimeline(messages, { me: ME, unreadAfter: 1 }))).toEqual([
      'day',
      '1',
      '2',
      '3+',
      'unread',
      '4',
      '5+',
    ]);
    // The divider also breaks a group of the same sender.
    expect(shape(buildTimeline(messages, { me: ME, unreadAfter: 4 }))).toEqual([
      'day',
      '1',
      '2',
      '3+',
      '4',
      'unread',
      '5',
    ]);
    expect(shape(buildTimeline(messages, { me: ME, unreadAfter: 5 }))).not.toContain('unread');
    // Not before the oldest message held when the first unread is not held yet (older pages loading).
    expect(shape(buildTimeline(messages.slice(3), { me: ME, unreadAfter: 1 }))).toEqual(['day', '4', '5+']);
    expect(shape(buildTimeline(messages.slice(1), { me: ME, unreadAfter: 1 }))).toContain('unread');
    expect(shape(buildTimeline(messages, { me: ME }))).not.toContain('unread');
  });

  it('keeps timeline lines ("Ada added Bob") out of groups and puts no divider before one', () => {
    const line = (seq: number, minute: number): Message => ({
      ...at(seq, ADA, [2026, 3, 2, 9, minute]),
      kind: 'system',
      body: '',
      system: { event: 'added', actorId: ADA, targetId: BOB },
    });
    const messages = [at(1, ADA, [2026, 3, 2, 9, 0]), line(2, 1), at(3, ADA, [2026, 3, 2, 9, 2])];
    expect(shape(buildTimeline(messages, { me: ME }))).toEqual(['day', '1', '2', '3']);
    // Unread after 1: the line is not the first unread message, Ada's message 3 is.
    expect(shape(buildTimeline(messages, { me: ME, unreadAfter: 1 }))).toEqual([
      'day',
      '1',
      '2',
      'unread',
      '3',
    ]);
  });

  it('marks holes, and what follows a hole starts a new group', () => {
    const messages = [
      at(1, ADA, [2026, 3, 2, 9, 0]),
      at(2, ADA, [2026, 3, 2, 9, 0]),
      at(60, ADA, [2026, 3, 2, 9, 1]),
    ];
    expect(shape(buildTimeline(messages, { me: ME, holes: [2] }))).toEqual(['day', '1', '2+', 'gap', '60']);
  });

  it('keeps every message once and in order, whatever the senders and times (fuzzed)', () => {
    const arbitrary = fc.array(
      fc.record({ sender: fc.constantFrom(ADA, BOB, ME), minutes: fc.integer({ min: 0, max: 3000 }) }),
      { maxLength: 60 },
    );
    fc.assert(
      fc.property(arbitrary, fc.option(fc.nat(60), { nil: undefined }), (entries, unreadAfter) => {
        let time = new Date(2026, 0, 1).getTime();
        const messages = entries.map(({ sender, minutes }, index) => {
          time += minutes * 60_000;
          return message(index + 1, { senderId: sender, createdAt: new Date(time).toISOString() });
        });
        const items = buildTimeline(messages, { me: ME, unreadAfter });
        const shown = items.flatMap((item) => (item.kind === 'message' ? [item.message.seq] : []));
        expect(shown).toEqual(messages.map((m) => m.seq));
        expect(items.filter((item) => item.kind === 'unread').length).toBeLessThanOrEqual(1);
        expect(new Set(items.map((item) => item.key)).size).toBe(items.length);
        items.forEach((item, index) => {
          if (item.kind !== 'message' || !item.continued) return;
          const before = items[index - 1];
          expect(before?.kind).toBe('message');
          if (before?.kind === 'message') expect(before.message.senderId).toBe(item.message.senderId);
        });
      }),
    );
  });
});

describe('date separator words', () => {
  const now = new Date(2026, 2, 10, 8, 30);

  it('says Today and Yesterday, in the reader’s language', () => {
    expect(dayLabel(new Date(2026, 2, 10, 0, 5), now, 'en')).toBe('Today');
    expect(dayLabel(new Date(2026, 2, 9, 23, 59), now, 'en')).toBe('Yesterday');
    expect(dayLabel(new Date(2026, 2, 9, 12, 0), now, 'de')).toBe('Gestern');
    expect(dayLabel(new Date(2026, 2, 10, 12, 0), now, 'fr')).toBe('Aujourd’hui');
  });

  it('gives the weekday and date before that, with the year only for another year', () => {
    expect(dayLabel(new Date(2026, 2, 3, 12, 0), now, 'en-US')).toBe('Tuesday, March 3');
    expect(dayLabel(new Date(2025, 11, 24, 12, 0), now, 'en-US')).toBe('Wednesday, December 24, 2025');
    expect(dayLabel(new Date(2026, 2, 3, 12, 0), now, 'de')).toBe('Dienstag, 3. März');
  });

  it('knows when pending messages start a new day', () => {
    expect(isNewDay([], now)).toBe(true);
    expect(isNewDay([at(1, ADA, [2026, 3, 10, 7, 0])], now)).toBe(false);
    expect(isNewDay([at(1, ADA, [2026, 3, 9, 7, 0])], now)).toBe(true);
  });
});

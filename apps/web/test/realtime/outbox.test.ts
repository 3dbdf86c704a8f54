import { describe, expect, it } from 'vitest';
import {
  ACK_TIMEOUT_MS,
  type Outbox,
  type OutboxEvent,
  reduceOutbox,
  retryAfterMs,
  sendFrame,
  tickOutbox,
  toResend,
} from '../../src/realtime/outbox.js';
import { ADA, ME, message, pending } from '../fixtures.js';

const T0 = Date.parse(pending('x').createdAt);
const apply = (outbox: Outbox, ...events: OutboxEvent[]) => events.reduce(reduceOutbox, outbox);
const ids = (outbox: Outbox) => outbox.map((item) => item.clientId);

describe('outbox', () => {
  it('keeps sends in the order they were written and settles each by its clientId', () => {
    let outbox = apply([], ...['a', 'b', 'c'].map((id) => ({ type: 'queued', item: pending(id) }) as const));
    expect(ids(outbox)).toEqual(['a', 'b', 'c']);
    outbox = reduceOutbox(outbox, {
      type: 'stored',
      message: message(7, { senderId: ME, clientId: 'b' }),
      userId: ME,
    });
    expect(ids(outbox)).toEqual(['a', 'c']);
    // Someone else's message that happens to carry the same clientId settles nothing of ours.
    const same = reduceOutbox(outbox, {
      type: 'stored',
      message: message(8, { senderId: ADA, clientId: 'a' }),
      userId: ME,
    });
    expect(same).toBe(outbox);
  });

  it('returns the same array when an event changes nothing', () => {
    const outbox = apply([], { type: 'queued', item: pending('a') });
    expect(reduceOutbox(outbox, { type: 'discarded', clientId: 'zz' })).toBe(outbox);
    expect(reduceOutbox(outbox, { type: 'conversation_gone', conversationId: 'other' })).toBe(outbox);
    const waiting = reduceOutbox(outbox, { type: 'waiting', clientId: 'a', until: T0 + 5000 });
    expect(reduceOutbox(waiting, { type: 'waiting', clientId: 'a', until: T0 + 5000 })).toBe(waiting);
  });

  it('holds a send refused for the rate limit, and every later one, then releases them in order', () => {
    const holdUntil = T0 + 10_000;
    // "a" went out and was acknowledged; "b" was refused for the limit; "c" and "d" were written meanwhile.
    let outbox = apply(
      [],
      ...['b', 'c', 'd'].map((id) => ({ type: 'queued', item: pending(id) }) as const),
      { type: 'sent', clientId: 'b', at: T0 },
      { type: 'waiting', clientId: 'b', until: holdUntil },
      { type: 'waiting', clientId: 'c', until: holdUntil },
      { type: 'waiting', clientId: 'd', until: holdUntil },
    );
    expect(outbox.map((item) => [item.status, item.retryAt, item.sentAt])).toEqual([
      ['sending', holdUntil, undefined],
      ['sending', holdUntil, undefined],
      ['sending', holdUntil, undefined],
    ]);

    // Held longer than the ack timeout: still waiting, not failed (the server is not the one late).
    const early = tickOutbox(outbox, { now: holdUntil - 1, live: true, holdUntil });
    expect(early).toEqual({ outbox, holdUntil, release: [] });
    const late = T0 + ACK_TIMEOUT_MS + 60_000;
    // Offline when the window passes: nothing goes before the socket is live again.
    expect(tickOutbox(outbox, { now: late, live: false, holdUntil }).release).toEqual([]);

    const released = tickOutbox(outbox, { now: late, live: true, holdUntil });
    expect(released.holdUntil).toBe(0);
    expect(released.release).toEqual(['b', 'c', 'd']);
    expect(released.outbox).toBe(outbox);
    outbox = apply(
      outbox,
      ...released.release.map((clientId) => ({ type: 'sent', clientId, at: late }) as const),
    );
    expect(outbox.every((item) => item.retryAt === undefined && item.sentAt === late)).toBe(true);
  });

  it('fails unacknowledged sends after the timeout, in words that say whether the user is offline', () => {
    const outbox = apply(
      [],
      { type: 'queued', item: pending('sent') },
      { type: 'queued', item: pending('never-sent') },
      { type: 'sent', clientId: 'sent', at: T0 + 5_000 },
    );
    const justBefore = tickOutbox(outbox, { now: T0 + ACK_TIMEOUT_MS, live: true, holdUntil: 0 });
    expect(justBefore.outbox).toBe(outbox);

    const online = tickOutbox(outbox, { now: T0 + ACK_TIMEOUT_MS + 1, live: true, holdUntil: 0 }).outbox;
    // Timed from when it was handed to the socket, else from when it was written.
    expect(online.map((item) => [item.clientId, item.status])).toEqual([
      ['sent', 'sending'],
      ['never-sent', 'failed'],
    ]);
    expect(online[1]).toMatchObject({ reason: 'timeout', error: 'Not delivered yet.' });

    const offline = tickOutbox(outbox, { now: T0 + 30_000, live: false, holdUntil: 0 }).outbox;
    expect(offline.map((item) => item.error)).toEqual([
      'Not sent: you are offline.',
      'Not sent: you are offline.',
    ]);
  });

  it('re-sends after a reconnect what is still pending or timed out, in order, but not what was refused', () => {
    const outbox = apply(
      [],
      ...['timed-out', 'refused', 'pending', 'held'].map(
        (id) => ({ type: 'queued', item: pending(id) }) as const,
      ),
      { type: 'rejected', clientId: 'refused', error: 'You are not a member of this conversation.' },
      { type: 'waiting', clientId: 'held', until: T0 + 1000 },
    );
    const failed = tickOutbox(outbox, {
      now: T0 + ACK_TIMEOUT_MS + 1,
      live: true,
      holdUntil: T0 + 99_000,
    }).outbox;
    expect(failed.find((item) => item.clientId === 'timed-out')?.reason).toBe('timeout');
    expect(toResend(failed)).toEqual(['timed-out', 'pending', 'held']);
  });

  it('retries with the same clientId, clearing the failure', () => {
    const outbox = apply(
      [],
      { type: 'queued', item: pending('a') },
      { type: 'rejected', clientId: 'a', error: 'Too long.' },
      { type: 'resending', clientId: 'a' },
    );
    expect(outbox).toEqual([{ ...pending('a'), error: undefined, reason: undefined, sentAt: undefined }]);
  });

  it('drops a discarded message and every pending message of a conversation the user left', () => {
    const outbox = apply(
      [],
      { type: 'queued', item: pending('a') },
      { type: 'queued', item: pending('b', { conversationId: 'c2' }) },
      { type: 'queued', item: pending('c') },
    );
    expect(ids(reduceOutbox(outbox, { type: 'discarded', clientId: 'c' }))).toEqual(['a', 'b']);
    expect(ids(reduceOutbox(outbox, { type: 'conversation_gone', conversationId: 'c1' }))).toEqual(['b']);
  });

  it('builds the send frame, with attachment ids only when there are attachments', () => {
    expect(sendFrame(pending('a'))).toEqual({
      type: 'send',
      conversationId: 'c1',
      clientId: 'a',
      body: 'text of a',
    });
    const withFile = pending('b', {
      attachments: [{ id: 'f1', name: 'a.png', size: 3, contentType: 'image/png' }],
    });
    expect(sendFrame(withFile)).toMatchObject({ attachmentIds: ['f1'] });
    expect(sendFrame(pending('c', { mentionIds: [ADA] }))).toMatchObject({ mentionIds: [ADA] });
    expect(sendFrame(pending('d', { mentionIds: [] }))).not.toHaveProperty('mentionIds');
  });

  it('waits as long as the server said, or a short pause when it named no time', () => {
    expect(retryAfterMs({ retryAfter: 7 })).toBe(7000);
    expect(retryAfterMs(undefined)).toBe(5000);
    expect(retryAfterMs({ retryAfter: 'soon' })).toBe(5000);
  });
});

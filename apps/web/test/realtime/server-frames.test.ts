import { describe, expect, it } from 'vitest';
import { resumePositions } from '../../src/realtime/history.js';
import { dispatchFrame, type FrameTarget } from '../../src/realtime/server-frames.js';
import { ADA, ME, message } from '../fixtures.js';

/** A target that records each call by name and arguments. */
function recorder() {
  const calls: [string, ...unknown[]][] = [];
  const record =
    (name: string) =>
    (...args: unknown[]) => {
      calls.push([name, ...args]);
    };
  const target: FrameTarget = {
    resumed: record('resumed'),
    message: record('message'),
    refused: record('refused'),
    list: record('list'),
    presence: record('presence'),
    statuses: record('statuses'),
    conversation: record('conversation'),
    conversationRemoved: record('conversationRemoved'),
    userRenamed: record('userRenamed'),
  };
  return { calls, target };
}

describe('server frames', () => {
  it('tells a new message, an edit and our own acknowledged send apart', () => {
    const { calls, target } = recorder();
    const one = message(1);
    dispatchFrame({ type: 'message', message: one }, ME, target);
    dispatchFrame({ type: 'message_updated', message: one }, ME, target);
    dispatchFrame({ type: 'ack', clientId: 'c-1', message: one }, ME, target);
    expect(calls).toEqual([
      ['message', one, 'new'],
      ['message', one, 'update'],
      ['message', one, 'ack'],
    ]);
  });

  it('moves the own read marker for a read elsewhere, and a receipt for someone else’s', () => {
    const { calls, target } = recorder();
    dispatchFrame({ type: 'read', conversationId: 'c', userId: ME, seq: 4 }, ME, target);
    dispatchFrame({ type: 'read', conversationId: 'c', userId: ADA, seq: 3 }, ME, target);
    expect(calls).toEqual([
      ['list', { type: 'read', conversationId: 'c', seq: 4, elsewhere: true }],
      ['presence', { type: 'read', conversationId: 'c', userId: ADA, seq: 3 }],
    ]);
  });
});

describe('resume positions', () => {
  it('names each conversation given that has a resume point, and no other', () => {
    const points = new Map([
      ['a', { seq: 5, rev: 9 }],
      ['c', { seq: 1, rev: 1 }],
    ]);
    expect(resumePositions([{ id: 'a' }, { id: 'b' }], points)).toEqual({ a: { seq: 5, rev: 9 } });
  });
});

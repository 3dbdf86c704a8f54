import { describe, expect, it } from 'vitest';
import {
  type Presence,
  type PresenceEvent,
  reducePresence,
  TYPING_SHOW_MS,
  typingUsers,
} from '../../src/realtime/presence.js';
import { ADA, ME } from '../fixtures.js';

const NONE: Presence = { typing: {}, readers: {} };
const apply = (presence: Presence, ...events: PresenceEvent[]) => events.reduce(reducePresence, presence);

describe('presence', () => {
  it('shows someone typing for a few seconds after their last typing event', () => {
    const typing = apply(
      NONE,
      { type: 'typing', conversationId: 'c1', userId: ADA, now: 1000 },
      { type: 'typing', conversationId: 'c1', userId: ME, now: 1000 },
    );
    expect(typingUsers(typing, 'c1', ME, 1000)).toEqual([ADA]);
    expect(typingUsers(typing, 'c2', ME, 1000)).toEqual([]);
    // Between ticks the indicator already reads as gone once its time has passed.
    expect(typingUsers(typing, 'c1', ME, 1000 + TYPING_SHOW_MS)).toEqual([]);

    expect(apply(typing, { type: 'tick', now: 1000 + TYPING_SHOW_MS - 1 })).toBe(typing);
    const expired = apply(typing, { type: 'tick', now: 1000 + TYPING_SHOW_MS });
    expect(expired.typing).toEqual({ c1: {} });
  });

  it('stops showing someone typing once their message arrives', () => {
    const typing = apply(NONE, { type: 'typing', conversationId: 'c1', userId: ADA, now: 0 });
    expect(apply(typing, { type: 'sent', conversationId: 'c1', userId: ADA }).typing).toEqual({ c1: {} });
    expect(apply(typing, { type: 'sent', conversationId: 'c1', userId: 'someone-else' })).toBe(typing);
  });

  it('moves a reader forward only (read events from several tabs can arrive out of order)', () => {
    const read = apply(
      NONE,
      { type: 'read', conversationId: 'c1', userId: ADA, seq: 5 },
      { type: 'read', conversationId: 'c1', userId: ADA, seq: 3 },
    );
    expect(read.readers).toEqual({ c1: { [ADA]: 5 } });
    expect(apply(read, { type: 'read', conversationId: 'c1', userId: ADA, seq: 5 })).toBe(read);
  });
});

import type { ServerFrame } from '@parley/contract';
import { describe, expect, it } from 'vitest';
import { PresenceLedger } from '../../src/modules/presence/presence-ledger.js';
import { PresenceView } from '../../src/modules/realtime/presence-view.js';

/**
 * One socket's view of other people's presence (realtime/presence-view.ts) and the instance's ledger of
 * the newest version per user that every view shares: copies of a change arriving once per shared
 * conversation are told once, older versions arriving late are dropped, the snapshot merges with what was
 * heard before `ready`.
 */
const T = 1_800_000_000_000;

function viewOf(selfId: string, ledger = new PresenceLedger()) {
  const frames: ServerFrame[] = [];
  const view = new PresenceView(selfId, ledger, (frame) => frames.push(frame));
  return { view, frames, ledger };
}

describe('PresenceView', () => {
  it('tells a change once however many shared conversations carry it, and only when it differs', () => {
    const { view, frames } = viewOf('me');
    view.start(new Map());
    view.offer('ann', 'online', T + 1);
    view.offer('ann', 'online', T + 1);
    view.offer('ann', 'online', T + 2); // same status, newer version: nothing new to tell
    view.offer('ann', 'away', T + 3);
    view.offer('ann', 'away', T + 3);
    view.offer('ann', 'offline', T + 4);
    view.offer('ann', 'offline', T + 4);
    expect(frames).toEqual([
      { type: 'presence', userId: 'ann', status: 'online' },
      { type: 'presence', userId: 'ann', status: 'away' },
      { type: 'presence', userId: 'ann', status: 'offline' },
    ]);
  });

  it('drops a version older than the newest heard on this instance, whichever socket heard it', () => {
    const ledger = new PresenceLedger();
    const first = viewOf('me', ledger);
    const second = viewOf('you', ledger);
    first.view.start(new Map());
    second.view.start(new Map());
    first.view.offer('ann', 'away', T + 5); // heard through a conversation only the first socket follows
    second.view.offer('ann', 'online', T + 4); // an older change, late on another conversation's channel
    second.view.offer('ann', 'away', T + 5); // the newer one reaches the second socket too
    expect(first.frames).toEqual([{ type: 'presence', userId: 'ann', status: 'away' }]);
    expect(second.frames).toEqual([{ type: 'presence', userId: 'ann', status: 'away' }]);
  });

  it('never tells the socket its own user', () => {
    const { view, frames } = viewOf('me');
    expect(view.start(new Map([['me', { status: 'online', version: T }]]))).toEqual({});
    view.offer('me', 'away', T + 1);
    expect(frames).toEqual([]);
  });

  it('sends nothing before ready: what it heard meanwhile merges with the snapshot, newer wins', () => {
    const { view, frames } = viewOf('me');
    view.offer('ann', 'away', T + 10); // heard after the snapshot was read: newer than it
    view.offer('bob', 'online', T + 1); // older than the snapshot's offline
    view.offer('eve', 'online', T + 3); // not in the snapshot at all
    const shown = view.start(
      new Map([
        ['ann', { status: 'online', version: T + 2 }],
        ['bob', { status: 'offline', version: T + 5 }],
        ['cat', { status: 'online', version: T + 4 }],
      ]),
    );
    expect(frames).toEqual([]);
    expect(shown).toEqual({ ann: 'away', eve: 'online', cat: 'online' });
    // Live now: what ready said counts as told.
    view.offer('cat', 'online', T + 4);
    view.offer('ann', 'online', T + 11);
    expect(frames).toEqual([{ type: 'presence', userId: 'ann', status: 'online' }]);
  });
});

describe('PresenceLedger', () => {
  it('accepts the newest version and equal copies, refuses older ones', () => {
    const ledger = new PresenceLedger();
    expect(ledger.accept('ann', T + 2)).toBe('ann');
    expect(ledger.accept('ann', T + 2)).toBe('ann');
    expect(ledger.accept('ann', T + 1)).toBeUndefined();
    expect(ledger.accept('ann', T + 3)).toBe('ann');
  });

  it('forgets users whose last change is ten minutes older than the newest heard', () => {
    const ledger = new PresenceLedger();
    ledger.accept('old', T);
    ledger.accept('recent', T + 9 * 60_000);
    expect(ledger.size).toBe(2);
    ledger.accept('new', T + 10 * 60_000 + 1);
    expect(ledger.size).toBe(2);
    // Forgotten: a version of it is accepted again (none this old is still on its way in practice).
    expect(ledger.accept('old', T - 1)).toBe('old');
  });
});

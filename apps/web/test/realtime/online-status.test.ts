import { describe, expect, it } from 'vitest';
import { type OnlineStatuses, reduceOnlineStatuses, statusOf } from '../../src/realtime/online-status.js';

describe('online statuses', () => {
  const empty: OnlineStatuses = { statuses: {} };

  it('a snapshot replaces what was known; presence frames move one user; offline forgets them', () => {
    let state = reduceOnlineStatuses(empty, { type: 'snapshot', statuses: { ada: 'online', bob: 'away' } });
    expect(statusOf(state, 'ada')).toBe('online');
    expect(statusOf(state, 'carol')).toBe('offline');
    state = reduceOnlineStatuses(state, { type: 'presence', userId: 'bob', status: 'online' });
    state = reduceOnlineStatuses(state, { type: 'presence', userId: 'ada', status: 'offline' });
    expect(state.statuses).toEqual({ bob: 'online' });
    state = reduceOnlineStatuses(state, { type: 'snapshot', statuses: { carol: 'away' } });
    expect(state.statuses).toEqual({ carol: 'away' });
  });

  it('keeps the same object when nothing changes', () => {
    const state = reduceOnlineStatuses(empty, { type: 'snapshot', statuses: { ada: 'online' } });
    expect(reduceOnlineStatuses(state, { type: 'presence', userId: 'ada', status: 'online' })).toBe(state);
    expect(reduceOnlineStatuses(state, { type: 'presence', userId: 'zed', status: 'offline' })).toBe(state);
  });
});

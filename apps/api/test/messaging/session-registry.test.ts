import { describe, expect, it, vi } from 'vitest';
import { type RegisteredConnection, SessionRegistry } from '../../src/modules/realtime/session-registry.js';
import { channels, type EventBus } from '../../src/platform/bus/event-bus.js';
import { createLocalEventBus } from '../../src/platform/bus/local-event.bus.js';

/** A stand-in for an authenticated socket: records what the registry did to it. */
class FakeConnection implements RegisteredConnection {
  revoked = 0;
  checked = 0;
  constructor(
    readonly sessionId: string,
    readonly tokenKid = 'kid-a',
    private readonly onRevoke: (c: FakeConnection) => void = () => undefined,
  ) {}
  revoke(): void {
    this.revoked += 1;
    this.onRevoke(this);
  }
  async checkSession(): Promise<void> {
    this.checked += 1;
  }
}

/** A local bus whose health the test controls, as the Redis bus reports it. */
function busWithHealth(): EventBus & { setHealthy(healthy: boolean): void } {
  const local = createLocalEventBus();
  const listeners = new Set<(healthy: boolean) => void>();
  let healthy = true;
  return {
    publish: local.publish,
    subscribe: local.subscribe,
    close: local.close,
    get healthy() {
      return healthy;
    },
    onHealthChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    setHealthy(next) {
      healthy = next;
      for (const listener of listeners) listener(next);
    },
  };
}

const log = { warn: () => undefined };
const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('SessionRegistry', () => {
  it('closes every socket of an announced session and only those, wherever the end happened', async () => {
    const bus = createLocalEventBus();
    const registry = new SessionRegistry<FakeConnection>(bus, log);
    const remove = (c: FakeConnection) => registry.remove(c);
    const [a1, a2, b] = [
      new FakeConnection('a', 'k', remove),
      new FakeConnection('a', 'k', remove),
      new FakeConnection('b'),
    ];
    for (const c of [a1, a2, b]) registry.add(c);
    bus.publish(channels.sessions, { kind: 'sessions_revoked', sessionIds: ['a', 'unknown'] });
    await tick();
    expect([a1.revoked, a2.revoked, b.revoked]).toEqual([1, 1, 0]);
    expect(registry.size).toBe(1);
  });

  it('closes a socket that registers after its session end was announced (authenticated just before)', async () => {
    const bus = createLocalEventBus();
    const registry = new SessionRegistry<FakeConnection>(bus, log);
    bus.publish(channels.sessions, { kind: 'sessions_revoked', sessionIds: ['late'] });
    await tick();
    const late = new FakeConnection('late');
    registry.add(late);
    expect(late.revoked).toBe(1);
    expect(registry.size).toBe(0);
  });

  it('closes the sockets whose token a retired key signed, now and when they register later', async () => {
    const bus = createLocalEventBus();
    const registry = new SessionRegistry<FakeConnection>(bus, log);
    const [old, fresh] = [new FakeConnection('s1', 'old-kid'), new FakeConnection('s2', 'new-kid')];
    registry.add(old);
    registry.add(fresh);
    bus.publish(channels.sessions, { kind: 'signing_keys_retired', kids: ['old-kid'] });
    await tick();
    expect([old.revoked, fresh.revoked]).toEqual([1, 0]);
    const stale = new FakeConnection('s3', 'old-kid');
    registry.add(stale);
    expect(stale.revoked).toBe(1);
  });

  it('re-checks every socket when the bus recovers (ends may have been missed meanwhile), not before', async () => {
    const bus = busWithHealth();
    const registry = new SessionRegistry<FakeConnection>(bus, log);
    const sockets = Array.from({ length: 20 }, (_, i) => new FakeConnection(`s${i}`));
    for (const c of sockets) registry.add(c);
    bus.setHealthy(false);
    await tick();
    expect(sockets.every((c) => c.checked === 0)).toBe(true);
    bus.setHealthy(true);
    await vi.waitFor(() => expect(sockets.map((c) => c.checked)).toEqual(sockets.map(() => 1)));
  });

  it('stops listening when closed', async () => {
    const bus = createLocalEventBus();
    const registry = new SessionRegistry<FakeConnection>(bus, log);
    const c = new FakeConnection('x');
    registry.add(c);
    registry.close();
    bus.publish(channels.sessions, { kind: 'sessions_revoked', sessionIds: ['x'] });
    await tick();
    expect(c.revoked).toBe(0);
  });
});

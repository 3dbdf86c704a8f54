import { afterEach, describe, expect, it } from 'vitest';
import { Heartbeat } from '../../src/modules/realtime/heartbeat.js';

/** The shared heartbeat, driven by hand (`tick`) so no test depends on timing. */
describe('heartbeat', () => {
  const made: Heartbeat[] = [];
  const heartbeat = (intervalMs: number) => {
    const h = new Heartbeat(intervalMs);
    made.push(h);
    return h;
  };
  afterEach(() => {
    for (const h of made.splice(0)) h.stop();
  });

  it('beats every member once per interval, the sockets of one slot together', () => {
    const h = heartbeat(25_000); // 25 slots of one second
    const beats: string[] = [];
    const member = (name: string) => ({ beat: () => beats.push(name) });
    h.add(member('a'));
    h.add(member('b'));
    h.tick();
    h.add(member('c'));
    for (let i = 0; i < 23; i += 1) h.tick();
    expect(beats).toEqual([]);
    h.tick(); // a and b joined in the same slot: beaten in the same tick, a whole interval later
    expect(beats).toEqual(['a', 'b']);
    h.tick(); // c joined one tick later
    expect(beats).toEqual(['a', 'b', 'c']);
    for (let i = 0; i < 24; i += 1) h.tick();
    expect(beats).toEqual(['a', 'b', 'c', 'a', 'b']);
  });

  it('has at least four slots for short intervals, and forgets a removed member', () => {
    const h = heartbeat(50);
    let beats = 0;
    const remove = h.add({ beat: () => (beats += 1) });
    expect(h.size).toBe(1);
    for (let i = 0; i < 4; i += 1) h.tick();
    expect(beats).toBe(1);
    remove();
    remove(); // twice is harmless
    expect(h.size).toBe(0);
    for (let i = 0; i < 8; i += 1) h.tick();
    expect(beats).toBe(1);
  });

  it('lets a member leave during a beat without skipping the others of its slot', () => {
    const h = heartbeat(4000);
    const beats: string[] = [];
    let removeA = () => {};
    removeA = h.add({
      beat: () => {
        beats.push('a');
        removeA();
      },
    });
    h.add({ beat: () => beats.push('b') });
    for (let i = 0; i < 4; i += 1) h.tick();
    expect(beats).toEqual(['a', 'b']);
    for (let i = 0; i < 4; i += 1) h.tick();
    expect(beats).toEqual(['a', 'b', 'b']);
  });
});

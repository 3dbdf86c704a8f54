import { describe, expect, it } from 'vitest';
import { CorkedSender } from '../../src/modules/realtime/corked-sender.js';

/** Records the order of cork, send and uncork calls. */
function recorder() {
  const log: string[] = [];
  return {
    log,
    socket: { send: (text: string | Buffer) => log.push(`send ${text}`) },
    tcp: { cork: () => log.push('cork'), uncork: () => log.push('uncork') },
  };
}

const nextTick = () => new Promise<void>((resolve) => process.nextTick(resolve));

describe('corked sender', () => {
  it('corks the TCP socket once per turn and uncorks it after the frames of that turn', async () => {
    const { log, socket, tcp } = recorder();
    const sender = new CorkedSender(socket, tcp);
    sender.send('a');
    sender.send('b');
    sender.send('c');
    expect(log).toEqual(['cork', 'send a', 'send b', 'send c']);
    await nextTick();
    expect(log.at(-1)).toBe('uncork');
    sender.send('d');
    await nextTick();
    expect(log).toEqual(['cork', 'send a', 'send b', 'send c', 'uncork', 'cork', 'send d', 'uncork']);
  });

  it('sends as frames come when there is no TCP socket to cork', () => {
    const { log, socket } = recorder();
    const sender = new CorkedSender(socket, undefined);
    sender.send('a');
    sender.send('b');
    expect(log).toEqual(['send a', 'send b']);
  });
});

/**
 * One client process of `npm run bench:sockets` (forked by sockets.ts): holds its share of the sockets,
 * and answers the parent's commands over IPC. Kept lean: an idle socket only parses the frames it gets.
 *
 * - `connect`: opens every socket (a few at a time), authenticates it with an `auth` frame, waits for
 *   `ready`, sends `resume` for the user's conversations and waits for `resumed`; replies `connected`
 *   with how many made it and the failures.
 * - `listen`: from now on, a `message` frame in the watched conversation whose body is
 *   `fanout <n> <sent-at epoch ms>` on a measuring socket records its send→delivery latency.
 * - `report`: replies `latencies`; `close`: closes every socket and exits.
 */
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';

export interface WorkerSocket {
  token: string;
  /** The conversations the user is in, resumed from seq 0. */
  conversations: string[];
  /** Whether this socket's fan-out deliveries are measured (one socket per group member). */
  measure: boolean;
}

export type ParentCommand =
  | { type: 'connect'; url: string; origin: string; sockets: WorkerSocket[]; concurrency: number }
  | { type: 'listen'; conversationId: string }
  | { type: 'report' }
  | { type: 'close' };

export type WorkerReply =
  | { type: 'connected'; ok: number; failed: number; firstError?: string }
  | { type: 'latencies'; values: number[]; closedEarly: number }
  | { type: 'closed' };

const epochNow = () => performance.timeOrigin + performance.now();
const sockets: WebSocket[] = [];
const latencies: number[] = [];
let watched: string | undefined;
let closedEarly = 0;
let closing = false;

function reply(message: WorkerReply): void {
  process.send?.(message);
}

function open(url: string, origin: string, spec: WorkerSocket): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { headers: { origin }, perMessageDeflate: false });
    const timer = setTimeout(() => reject(new Error('no resumed frame within 120 s')), 120_000);
    let settled = false;
    socket.on('message', (data) => {
      const text = String(data);
      // Idle sockets see pings (handled by ws) and little else; only parse what we look at.
      if (text.startsWith('{"type":"message"')) {
        if (!spec.measure || watched === undefined) return;
        const frame = JSON.parse(text) as { message: { conversationId: string; body: string } };
        if (frame.message.conversationId !== watched) return;
        const match = /^fanout \d+ (\d+(?:\.\d+)?)/.exec(frame.message.body);
        if (match) latencies.push(epochNow() - Number(match[1]));
        return;
      }
      if (settled) return;
      if (text.startsWith('{"type":"ready"')) {
        const positions = Object.fromEntries(spec.conversations.map((id) => [id, { seq: 0, rev: 0 }]));
        socket.send(JSON.stringify({ type: 'resume', positions }));
      } else if (text.startsWith('{"type":"resumed"')) {
        settled = true;
        clearTimeout(timer);
        resolve();
      } else if (text.startsWith('{"type":"error"')) {
        settled = true;
        clearTimeout(timer);
        reject(new Error(text.slice(0, 200)));
      }
    });
    socket.once('open', () => socket.send(JSON.stringify({ type: 'auth', token: spec.token })));
    socket.once('error', (error) => {
      if (!settled) reject(error);
    });
    socket.once('close', (code) => {
      if (!settled) reject(new Error(`closed ${code} before resumed`));
      else if (!closing) closedEarly += 1;
    });
    sockets.push(socket);
  });
}

async function connectAll(command: Extract<ParentCommand, { type: 'connect' }>): Promise<void> {
  let next = 0;
  let ok = 0;
  let failed = 0;
  let firstError: string | undefined;
  const lane = async () => {
    while (next < command.sockets.length) {
      const spec = command.sockets[next] as WorkerSocket;
      next += 1;
      try {
        await open(command.url, command.origin, spec);
        ok += 1;
      } catch (error) {
        failed += 1;
        firstError ??= String(error);
      }
    }
  };
  await Promise.all(Array.from({ length: command.concurrency }, lane));
  reply({ type: 'connected', ok, failed, ...(firstError ? { firstError } : {}) });
}

process.on('message', (command: ParentCommand) => {
  switch (command.type) {
    case 'connect':
      void connectAll(command);
      return;
    case 'listen':
      watched = command.conversationId;
      return;
    case 'report':
      reply({ type: 'latencies', values: latencies.splice(0), closedEarly });
      return;
    case 'close': {
      closing = true;
      for (const socket of sockets) socket.terminate();
      reply({ type: 'closed' });
      process.disconnect();
      return;
    }
  }
});

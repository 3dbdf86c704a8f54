/** The client side of `npm run bench:sockets`: the socket-worker processes and the sender's socket. */
import { type ChildProcess, fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import WebSocket from 'ws';
import { rootDir } from './settings.js';
import type { ParentCommand, WorkerReply } from './socket-worker.js';

export class Worker {
  readonly #child: ChildProcess;
  readonly #waiting = new Map<WorkerReply['type'], (reply: WorkerReply) => void>();

  constructor() {
    this.#child = fork(path.join(rootDir, 'bench', 'src', 'socket-worker.ts'), [], {
      execArgv: ['--import', 'tsx'],
      cwd: rootDir,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.#child.on('message', (reply: WorkerReply) => {
      const waiter = this.#waiting.get(reply.type);
      this.#waiting.delete(reply.type);
      waiter?.(reply);
    });
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  ask<T extends WorkerReply['type']>(
    command: ParentCommand,
    answer: T,
  ): Promise<Extract<WorkerReply, { type: T }>> {
    return new Promise((resolve) => {
      this.#waiting.set(answer, resolve as (reply: WorkerReply) => void);
      this.#child.send(command);
    });
  }

  tell(command: ParentCommand): void {
    this.#child.send(command);
  }

  kill(): void {
    if (this.#child.exitCode === null) this.#child.kill('SIGKILL');
  }
}

/** The group owner's own socket in this process: sends the fan-out messages and counts their acks. */
export async function senderSocket(url: string, origin: string, token: string) {
  const socket = new WebSocket(url, { headers: { origin }, perMessageDeflate: false });
  const acks = new Map<string, () => void>();
  await new Promise<void>((resolve, reject) => {
    socket.on('message', (data) => {
      const frame = JSON.parse(String(data)) as { type: string; clientId?: string };
      if (frame.type === 'ready') resolve();
      if (frame.type === 'ack' || frame.type === 'error') acks.get(frame.clientId ?? '')?.();
    });
    socket.once('open', () => socket.send(JSON.stringify({ type: 'auth', token })));
    socket.once('error', reject);
  });
  return {
    send(conversationId: string, body: string): Promise<void> {
      const clientId = randomUUID();
      return new Promise((resolve) => {
        acks.set(clientId, resolve);
        socket.send(JSON.stringify({ type: 'send', conversationId, clientId, body }));
      });
    },
    close: () => socket.terminate(),
  };
}

import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';

/** The parts of a stored message the benchmark reads from `ack` and `message` frames. */
export interface MessageInfo {
  id: string;
  conversationId: string;
  seq: number;
  senderId: string;
  clientId: string;
}

/** What a connection received in one conversation, in arrival order (checked against the database). */
export interface ReceivedLog {
  seqs: number[];
  clientIds: string[];
}

export interface ClientHandlers {
  ack(client: BenchClient, clientId: string, message: MessageInfo, at: number): void;
  message(client: BenchClient, message: MessageInfo, at: number): void;
  error(client: BenchClient, clientId: string | undefined, error: unknown): void;
}

/**
 * One user's WebSocket, kept lean: every frame is JSON-parsed once, only ack/message/error/ready are
 * looked at, and each `message` is logged per conversation for the exactly-once/in-order checks.
 */
export class BenchClient {
  readonly received = new Map<string, ReceivedLog>();
  inFlight = 0;
  #ready: Promise<void>;

  private constructor(
    readonly index: number,
    readonly userId: string,
    readonly socket: WebSocket,
    private readonly handlers: ClientHandlers,
  ) {
    this.#ready = new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`client ${index}: no ready frame within 30 s`)),
        30_000,
      );
      socket.on('message', (data) => {
        const at = performance.now();
        const frame = JSON.parse(String(data)) as {
          type: string;
          clientId?: string;
          message?: MessageInfo;
          error?: unknown;
        };
        switch (frame.type) {
          case 'message': {
            const message = frame.message as MessageInfo;
            let log = this.received.get(message.conversationId);
            if (!log) {
              log = { seqs: [], clientIds: [] };
              this.received.set(message.conversationId, log);
            }
            log.seqs.push(message.seq);
            log.clientIds.push(message.clientId);
            this.handlers.message(this, message, at);
            return;
          }
          case 'ack':
            this.handlers.ack(this, frame.clientId as string, frame.message as MessageInfo, at);
            return;
          case 'error':
            this.handlers.error(this, frame.clientId, frame.error);
            return;
          case 'ready':
            clearTimeout(timer);
            resolve();
            return;
          default:
            return;
        }
      });
      socket.once('close', (code) => {
        clearTimeout(timer);
        reject(new Error(`client ${index}: socket closed (${code}) before ready`));
      });
    });
    this.#ready.catch(() => undefined);
  }

  /** Opens /api/ws like an API client (Origin of the app, no cookie) and authenticates with the first frame. */
  static async connect(
    url: string,
    origin: string,
    index: number,
    userId: string,
    token: string,
    handlers: ClientHandlers,
  ): Promise<BenchClient> {
    const socket = new WebSocket(url, { headers: { origin }, perMessageDeflate: false });
    const client = new BenchClient(index, userId, socket, handlers);
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    socket.send(JSON.stringify({ type: 'auth', token }));
    await client.#ready;
    return client;
  }

  send(conversationId: string, clientId: string, body: string): void {
    this.inFlight += 1;
    this.socket.send(
      `{"type":"send","conversationId":"${conversationId}","clientId":"${clientId}","body":${JSON.stringify(body)}}`,
    );
  }

  close(): Promise<void> {
    if (this.socket.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise((resolve) => {
      this.socket.once('close', () => resolve());
      this.socket.close();
    });
  }
}

import type { ServerFrame } from '@parley/contract';
import type { FastifyInstance } from 'fastify';
import WebSocket from 'ws';

export interface WsClient {
  readonly socket: WebSocket;
  readonly frames: ServerFrame[];
  send(frame: unknown): void;
  sendRaw(data: string | Buffer): void;
  /** Resolves with the first not-yet-taken frame of this type that matches. */
  next<T extends ServerFrame['type']>(
    type: T,
    match?: (frame: Extract<ServerFrame, { type: T }>) => boolean,
    timeoutMs?: number,
  ): Promise<Extract<ServerFrame, { type: T }>>;
  closed: Promise<{ code: number; reason: string }>;
  close(): void;
}

/** Opens /api/ws on a listening app, like a browser tab (cookie + Origin) or an API client (no cookie). */
export async function connectWs(
  app: FastifyInstance,
  options: {
    cookie?: string;
    origin?: string | null;
    token?: string;
    bearer?: string;
    query?: string;
    /** Speak as this client address (the test apps trust X-Forwarded-For). */
    forwardedFor?: string;
  } = {},
): Promise<WsClient> {
  const address = app.server.address();
  if (!address || typeof address === 'string') throw new Error('app is not listening');
  const headers: Record<string, string> = {};
  const origin = options.origin === undefined ? app.config.publicUrl.origin : options.origin;
  if (origin !== null) headers.origin = origin;
  if (options.cookie) headers.cookie = options.cookie;
  if (options.bearer) headers.authorization = `Bearer ${options.bearer}`;
  if (options.forwardedFor) headers['x-forwarded-for'] = options.forwardedFor;
  const socket = new WebSocket(`ws://127.0.0.1:${address.port}/api/ws${options.query ?? ''}`, { headers });
  const frames: ServerFrame[] = [];
  const waiters = new Set<() => void>();
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    socket.on('close', (code, reason) => {
      resolve({ code, reason: reason.toString() });
      for (const waiter of waiters) waiter();
    });
  });
  socket.on('message', (data) => {
    frames.push(JSON.parse(String(data)) as ServerFrame);
    for (const waiter of waiters) waiter();
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('unexpected-response', (_req, res) =>
      reject(new Error(`upgrade refused: ${res.statusCode}`)),
    );
    socket.once('error', reject);
  });
  if (options.token) socket.send(JSON.stringify({ type: 'auth', token: options.token }));
  const consumed = new Set<number>();
  return {
    socket,
    frames,
    closed,
    send: (frame) => socket.send(JSON.stringify(frame)),
    sendRaw: (data) => socket.send(data),
    close: () => socket.close(),
    next(type, match, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          for (let i = 0; i < frames.length; i += 1) {
            const frame = frames[i] as ServerFrame;
            if (!consumed.has(i) && frame.type === type && (!match || match(frame as never))) {
              consumed.add(i);
              waiters.delete(check);
              clearTimeout(timer);
              resolve(frame as never);
              return;
            }
          }
          if (socket.readyState === WebSocket.CLOSED) {
            waiters.delete(check);
            clearTimeout(timer);
            reject(new Error(`socket closed before a ${type} frame; got ${JSON.stringify(frames)}`));
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no ${type} frame within ${timeoutMs} ms; got ${JSON.stringify(frames)}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
  };
}

/**
 * How the socket closed, if it does within `ms` from now; `'open'` otherwise. Used where a bound is
 * the requirement (a session end reaches every instance within 1 s) and nothing else can close it.
 */
export function closedWithin(
  client: WsClient,
  ms: number,
): Promise<{ code: number; reason: string } | 'open'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'open'>((resolve) => {
    timer = setTimeout(() => resolve('open'), ms);
  });
  return Promise.race([client.closed, timeout]).finally(() => clearTimeout(timer));
}

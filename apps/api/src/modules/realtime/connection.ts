import {
  ClientFrame,
  type ErrorCode,
  type ServerFrame,
  WS_CLOSE_SESSION_EXPIRED,
  WS_CLOSE_SESSION_REVOKED,
  WS_CLOSE_UNAUTHENTICATED,
} from '@parley/contract';
import type { FastifyBaseLogger } from 'fastify';
import type { WebSocket } from 'ws';
import { AppError } from '../../errors.js';
import { type BusEvent, channels, type Subscription } from '../../platform/bus/event-bus.js';
import type { AuthDeps } from '../auth/auth.context.js';
import { type AuthContext, authenticate, sessionStanding } from '../auth/session.service.js';
import { presentConversations } from '../conversations/conversation.presenter.js';
import { findMembership, listUserConversations } from '../conversations/conversation.repository.js';
import { announceTyping, type MessageDeps, sendMessage } from '../messages/message.service.js';
import { ConversationCursor } from './conversation-cursor.js';

/** A first `auth` frame must arrive this fast when the upgrade carried no session cookie. */
export const AUTH_TIMEOUT_MS = 5_000;
/** At most one typing indicator per conversation per connection this often. */
const TYPING_INTERVAL_MS = 1_500;

export interface ConnectionDeps {
  readonly auth: AuthDeps;
  readonly messaging: MessageDeps;
  readonly log: FastifyBaseLogger;
  /** Called once the connection is authenticated / closed, for the session registry. */
  readonly register: (connection: Connection) => void;
  readonly unregister: (connection: Connection) => void;
}

function errorFrame(error: unknown, clientId?: string): ServerFrame {
  const app = error instanceof AppError ? error : undefined;
  const code: ErrorCode = app?.code ?? 'internal_error';
  return {
    type: 'error',
    ...(clientId ? { clientId } : {}),
    error: {
      code,
      message: app?.message ?? 'Internal error',
      ...(app?.details !== undefined ? { details: app.details } : {}),
    },
  };
}

/** One authenticated WebSocket: its conversations' cursors, its subscriptions, its frames. */
export class Connection {
  #auth: AuthContext | undefined;
  readonly #cursors = new Map<string, ConversationCursor>();
  readonly #subscriptions = new Map<string, Subscription>();
  readonly #lastTyping = new Map<string, number>();
  #closed = false;
  #corked = false;
  #authTimer: NodeJS.Timeout | undefined;
  /** Frames are handled one at a time, in arrival order. */
  #inbox: Promise<void> = Promise.resolve();

  constructor(
    readonly socket: WebSocket,
    private readonly deps: ConnectionDeps,
    initialAuth: AuthContext | undefined,
  ) {
    socket.on('message', (data, isBinary) => {
      this.#inbox = this.#inbox
        .then(() => this.#onRaw(data, isBinary))
        .catch((error: unknown) => this.#fail(error));
    });
    socket.on('close', () => this.#teardown());
    socket.on('error', () => this.#teardown());
    if (initialAuth) {
      this.#inbox = this.#inbox
        .then(() => this.#start(initialAuth))
        .catch((error: unknown) => this.#fail(error));
    } else {
      this.#authTimer = setTimeout(
        () => this.close(WS_CLOSE_UNAUTHENTICATED, 'authentication required'),
        AUTH_TIMEOUT_MS,
      );
    }
  }

  get sessionId(): string | undefined {
    return this.#auth?.sessionId;
  }

  /** The key that signed the token this connection authenticated with. */
  get tokenKid(): string | undefined {
    return this.#auth?.token.kid;
  }

  send(frame: ServerFrame): void {
    if (this.#closed || this.socket.readyState !== this.socket.OPEN) return;
    this.#cork();
    this.socket.send(JSON.stringify(frame));
  }

  /**
   * Frames sent in the same turn of the event loop (an ack, the echo of the message and the peer's
   * message from one committed batch, a catch-up page) leave in one write instead of one syscall each:
   * the TCP socket is corked until the pending callbacks have run. Same frames, same order.
   */
  #cork(): void {
    if (this.#corked) return;
    const tcp = (this.socket as unknown as { _socket?: { cork(): void; uncork(): void } | null })._socket;
    if (!tcp) return;
    this.#corked = true;
    tcp.cork();
    process.nextTick(() => {
      this.#corked = false;
      tcp.uncork();
    });
  }

  close(code: number, reason: string): void {
    if (this.socket.readyState === this.socket.OPEN || this.socket.readyState === this.socket.CONNECTING) {
      this.socket.close(code, reason);
    }
    this.#teardown();
  }

  /** The session was revoked somewhere: say so, then close with 4001. */
  revoke(): void {
    this.send({ type: 'session_revoked' });
    this.close(WS_CLOSE_SESSION_REVOKED, 'session revoked');
  }

  /** Its token expired (the session may live on): say so, then close with 4002 for a refresh. */
  expire(): void {
    this.send({ type: 'session_expired' });
    this.close(WS_CLOSE_SESSION_EXPIRED, 'session expired');
  }

  /**
   * Heartbeat check, the backstop for when the bus is down (ends normally arrive through it): the
   * session must still be live, its token's signing key still in the keyring, its token unexpired.
   */
  async checkSession(): Promise<void> {
    const auth = this.#auth;
    if (!auth || this.#closed) return;
    const standing = await sessionStanding(this.deps.auth, auth);
    if (this.#closed) return;
    if (standing === 'ended') this.revoke();
    else if (standing === 'expired') this.expire();
  }

  #fail(error: unknown): void {
    this.deps.log.error({ err: error }, 'websocket connection failed');
    this.send(errorFrame(error));
  }

  async #onRaw(data: unknown, isBinary: boolean): Promise<void> {
    if (this.#closed) return;
    let parsed: unknown;
    try {
      if (isBinary) throw new Error('binary');
      parsed = JSON.parse(String(data));
    } catch {
      this.send(errorFrame(new AppError('validation_failed', 'Frames are JSON text')));
      return;
    }
    const frame = ClientFrame.safeParse(parsed);
    if (!frame.success) {
      const clientId =
        typeof (parsed as { clientId?: unknown })?.clientId === 'string'
          ? (parsed as { clientId: string }).clientId.slice(0, 64)
          : undefined;
      const details = frame.error.issues.map((issue) => ({
        path: issue.path.join('.'),
        message: issue.message,
      }));
      this.send(errorFrame(new AppError('validation_failed', 'Frame is not valid', details), clientId));
      return;
    }
    await this.#onFrame(frame.data);
  }

  async #onFrame(frame: ClientFrame): Promise<void> {
    if (frame.type === 'ping') {
      this.send({ type: 'pong' });
      return;
    }
    const auth = this.#auth;
    if (!auth) {
      if (frame.type !== 'auth') {
        this.send(errorFrame(new AppError('unauthenticated', 'Send an auth frame first')));
        return;
      }
      const context = await authenticate(this.deps.auth, frame.token);
      if (!context) {
        this.send(errorFrame(new AppError('unauthenticated', 'Sign in again')));
        this.close(WS_CLOSE_UNAUTHENTICATED, 'invalid token');
        return;
      }
      await this.#start(context);
      return;
    }
    switch (frame.type) {
      case 'auth':
        this.send(errorFrame(new AppError('bad_request', 'Already authenticated')));
        return;
      case 'resume': {
        await Promise.all(
          Object.entries(frame.positions).map(([conversationId, position]) =>
            this.#cursors
              .get(conversationId)
              ?.resume(typeof position === 'number' ? { seq: position } : position),
          ),
        );
        this.send({ type: 'resumed' });
        return;
      }
      case 'send': {
        // Not awaited in the inbox: sends from one socket are batched together by the writer.
        void sendMessage(this.deps.messaging, auth.userId, frame).then(
          ({ message }) => this.send({ type: 'ack', clientId: frame.clientId, message }),
          (error: unknown) => {
            if (!(error instanceof AppError)) this.deps.log.error({ err: error }, 'websocket send failed');
            this.send(errorFrame(error, frame.clientId));
          },
        );
        return;
      }
      case 'typing': {
        const last = this.#lastTyping.get(frame.conversationId) ?? 0;
        const now = Date.now();
        if (now - last < TYPING_INTERVAL_MS) return;
        this.#lastTyping.set(frame.conversationId, now);
        await announceTyping(this.deps.messaging, auth.userId, frame.conversationId).catch((error: unknown) =>
          this.send(errorFrame(error)),
        );
        return;
      }
    }
  }

  async #start(auth: AuthContext): Promise<void> {
    clearTimeout(this.#authTimer);
    if (this.#closed) return;
    this.#auth = auth;
    this.deps.register(this);
    // The registry closes it at once if its session's end was already announced.
    if (this.#closed) return;
    this.#subscribe(channels.user(auth.userId), (event) => this.#onUserEvent(event));
    const rows = await listUserConversations(this.deps.auth.db, auth.userId);
    await Promise.all(rows.map((row) => this.#follow(row.id)));
    this.send({ type: 'ready', userId: auth.userId, expiresAt: auth.token.expiresAt.toISOString() });
  }

  #subscribe(channel: string, handler: (event: BusEvent) => void): Subscription {
    const subscription = this.deps.messaging.bus.subscribe(channel, handler);
    this.#subscriptions.set(channel, subscription);
    return subscription;
  }

  /** Subscribes first, then reads the current position, so nothing published in between is missed. */
  async #follow(conversationId: string): Promise<void> {
    if (this.#cursors.has(conversationId) || this.#closed) return;
    const channel = channels.conversation(conversationId);
    const subscription = this.#subscribe(channel, (event) => this.#onConversationEvent(event));
    await subscription.ready;
    const counters = await this.deps.auth.db
      .selectFrom('conversations')
      .select(['last_seq', 'last_rev'])
      .where('id', '=', conversationId)
      .executeTakeFirst();
    if (!counters || this.#closed) return;
    this.#cursors.set(
      conversationId,
      new ConversationCursor(
        conversationId,
        { seq: Number(counters.last_seq), rev: Number(counters.last_rev) },
        this.deps.auth.db,
        (frame) => this.send(frame),
        (error) => this.#fail(error),
      ),
    );
  }

  #unfollow(conversationId: string): void {
    this.#cursors.delete(conversationId);
    const channel = channels.conversation(conversationId);
    this.#subscriptions.get(channel)?.unsubscribe();
    this.#subscriptions.delete(channel);
  }

  #onConversationEvent(event: BusEvent): void {
    const auth = this.#auth;
    if (!auth || !('conversationId' in event)) return;
    const cursor = this.#cursors.get(event.conversationId);
    if (!cursor) return;
    switch (event.kind) {
      case 'message':
      case 'message_updated':
        cursor.onMessageEvent(event.message);
        return;
      case 'typing':
        if (event.userId !== auth.userId)
          this.send({ type: 'typing', conversationId: event.conversationId, userId: event.userId });
        return;
      case 'read':
        this.send({
          type: 'read',
          conversationId: event.conversationId,
          userId: event.userId,
          seq: event.seq,
        });
        return;
      default:
        return;
    }
  }

  #onUserEvent(event: BusEvent): void {
    const auth = this.#auth;
    if (!auth) return;
    if (event.kind === 'conversation_removed') {
      this.#unfollow(event.conversationId);
      this.send({ type: 'conversation_removed', conversationId: event.conversationId });
      return;
    }
    if (event.kind !== 'conversation_changed') return;
    this.#inbox = this.#inbox
      .then(async () => {
        const membership = await findMembership(this.deps.auth.db, event.conversationId, auth.userId);
        if (!membership) return;
        await this.#follow(event.conversationId);
        const [conversation] = await presentConversations(this.deps.auth.db, auth.userId, [membership]);
        if (conversation) this.send({ type: 'conversation', conversation });
      })
      .catch((error: unknown) => this.#fail(error));
  }

  #teardown(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#authTimer);
    for (const subscription of this.#subscriptions.values()) subscription.unsubscribe();
    this.#subscriptions.clear();
    this.#cursors.clear();
    if (this.#auth) this.deps.unregister(this);
  }
}

import {
  ClientFrame,
  type ErrorCode,
  type ResumePosition,
  type ServerFrame,
  WS_CLOSE_RATE_LIMITED,
  WS_CLOSE_SESSION_EXPIRED,
  WS_CLOSE_SESSION_REVOKED,
  WS_CLOSE_UNAUTHENTICATED,
} from '@parley/contract';
import type { FastifyBaseLogger } from 'fastify';
import type { RawData, WebSocket } from 'ws';
import { chunked, IN_CHUNK, yieldToEventLoop } from '../../db/chunks.js';
import { AppError, rateLimited, validationErrors } from '../../errors.js';
import { type BusEvent, channels, type Subscription } from '../../platform/bus/event-bus.js';
import type { SlotLease } from '../../platform/limits/limiter.js';
import type { AuthDeps } from '../auth/auth.context.js';
import { type AuthContext, authenticate, sessionStanding } from '../auth/session.service.js';
import { loadConversations } from '../conversations/conversation.loader.js';
import {
  conversationCounters,
  findMembership,
  userConversationIds,
} from '../conversations/conversation.repository.js';
import { announceTyping, type MessageDeps, sendMessage } from '../messages/message.service.js';
import { ConversationCursor, resumeCursors } from './conversation-cursor.js';
import type { FrameBudget, RealtimeLimits } from './realtime.limits.js';

/** A first `auth` frame must arrive this fast when the upgrade carried no session cookie. */
export const AUTH_TIMEOUT_MS = 5_000;
/** At most one typing indicator per conversation per connection this often. */
const TYPING_INTERVAL_MS = 1_500;
/**
 * Conversations followed per step on connect, and resumed per step on resume: each step runs a few
 * queries, then the event loop gets a turn, so a user in thousands of conversations cannot stall others.
 */
const FOLLOW_STEP = IN_CHUNK;
const RESUME_STEP = 100;

/**
 * Over its frame budget, a socket gets a `rate_limited` error per frame only while it reads them: a client
 * that lets this much pile up unread gets nothing more, so its flood cannot grow our send buffer.
 */
const MAX_UNREAD_BYTES = 64 * 1024;

export interface ConnectionDeps {
  readonly auth: AuthDeps;
  readonly messaging: MessageDeps;
  readonly log: FastifyBaseLogger;
  readonly limits: RealtimeLimits;
  /** The client address (`request.ip`), for the per-address socket cap. */
  readonly address: string;
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

/** A `clientId` a client put in a frame, so an error about that frame can name it. */
function clientIdOf(parsed: unknown): string | undefined {
  const clientId = (parsed as { clientId?: unknown } | null)?.clientId;
  return typeof clientId === 'string' ? clientId.slice(0, 64) : undefined;
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
  readonly #frames: FrameBudget;
  /** Socket-cap slots held (address, user), released when the socket ends. */
  readonly #leases: SlotLease[] = [];
  /** Frames are handled one at a time, in arrival order. */
  #inbox: Promise<void> = Promise.resolve();

  constructor(
    readonly socket: WebSocket,
    private readonly deps: ConnectionDeps,
    initialAuth: AuthContext | undefined,
  ) {
    this.#frames = deps.limits.frameBudget();
    socket.on('message', (data, isBinary) => this.#receive(data, isBinary));
    socket.on('close', () => this.#teardown());
    socket.on('error', () => this.#teardown());
    // Admission first: every frame waits in the inbox behind it.
    this.#inbox = this.#inbox.then(() => this.#admitAddress()).catch((error: unknown) => this.#fail(error));
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

  /** Holds one of the client address's socket slots, or refuses the socket (error frame, close 4029). */
  async #admitAddress(): Promise<void> {
    const admitted = await this.deps.limits.admitAddress(this.deps.address);
    this.#hold(admitted);
  }

  /** Keeps a slot until teardown, or refuses the socket when it was not granted. False when refused/closed. */
  #hold(admitted: SlotLease | AppError): boolean {
    if (admitted instanceof AppError) {
      this.send(errorFrame(admitted));
      this.close(WS_CLOSE_RATE_LIMITED, 'rate limited');
      return false;
    }
    if (this.#closed) {
      admitted.release();
      return false;
    }
    this.#leases.push(admitted);
    return true;
  }

  /**
   * Every frame spends the socket's frame budget before it is queued: one over it is answered at once with
   * `rate_limited` (naming its clientId, so the client retries that send) and never parsed further or
   * queued, so a flood neither grows the inbox nor reaches the database. The socket stays open.
   */
  #receive(data: RawData, isBinary: boolean): void {
    if (this.#closed) return;
    const wait = this.#frames.take();
    if (wait === undefined) {
      this.#inbox = this.#inbox
        .then(() => this.#onRaw(data, isBinary))
        .catch((error: unknown) => this.#fail(error));
      return;
    }
    if (this.socket.bufferedAmount > MAX_UNREAD_BYTES) return;
    let clientId: string | undefined;
    if (!isBinary) {
      try {
        clientId = clientIdOf(JSON.parse(String(data)));
      } catch {
        // Not JSON: the error names no frame.
      }
    }
    this.send(errorFrame(rateLimited(wait, 'Too many frames'), clientId));
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
      const clientId = clientIdOf(parsed);
      const issues = frame.error.issues.map((issue) => ({
        path: issue.path.join('.'),
        message: issue.message,
      }));
      this.send(errorFrame(validationErrors(issues, 'Frame is not valid'), clientId));
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
        await this.#resume(frame.positions);
        this.send({ type: 'resumed' });
        return;
      }
      case 'send': {
        const limited = await this.deps.limits.spend('messages', auth.userId);
        if (limited) {
          this.send(errorFrame(limited, frame.clientId));
          return;
        }
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
        const limited = await this.deps.limits.spend('typing', auth.userId);
        if (limited) {
          this.send(errorFrame(limited));
          return;
        }
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
    if (!this.#hold(await this.deps.limits.admitUser(auth.userId))) return;
    this.#auth = auth;
    this.deps.register(this);
    // The registry closes it at once if its session's end was already announced.
    if (this.#closed) return;
    // The user's channel first: a conversation joined while the walk below runs arrives as an event.
    await this.#subscribe(channels.user(auth.userId), (event) => this.#onUserEvent(event)).ready;
    await this.#followAll(auth.userId);
    this.send({ type: 'ready', userId: auth.userId, expiresAt: auth.token.expiresAt.toISOString() });
  }

  #subscribe(channel: string, handler: (event: BusEvent) => void): Subscription {
    const subscription = this.deps.messaging.bus.subscribe(channel, handler);
    this.#subscriptions.set(channel, subscription);
    return subscription;
  }

  /**
   * Follows every conversation of the user, a step of ids at a time in id order: two queries per step
   * (ids, then counters) and a turn of the event loop between steps, never one list of every id.
   */
  async #followAll(userId: string): Promise<void> {
    let afterId = '';
    for (;;) {
      const ids = await userConversationIds(this.deps.auth.db, userId, { afterId, limit: FOLLOW_STEP });
      await this.#follow(ids);
      const last = ids.at(-1);
      if (last === undefined || ids.length < FOLLOW_STEP || this.#closed) return;
      afterId = last;
      await yieldToEventLoop();
    }
  }

  /** Subscribes first, then reads the current positions, so nothing published in between is missed. */
  async #follow(conversationIds: readonly string[]): Promise<void> {
    if (this.#closed) return;
    const fresh = conversationIds.filter((id) => !this.#subscriptions.has(channels.conversation(id)));
    if (fresh.length === 0) return;
    const subscriptions = fresh.map((id) =>
      this.#subscribe(channels.conversation(id), (event) => this.#onConversationEvent(event)),
    );
    await Promise.all(subscriptions.map((subscription) => subscription.ready));
    if (this.#closed) return;
    const counters = await conversationCounters(this.deps.auth.db, fresh);
    if (this.#closed) return;
    for (const row of counters) {
      this.#cursors.set(
        row.id,
        new ConversationCursor(
          row.id,
          { seq: Number(row.last_seq), rev: Number(row.last_rev) },
          this.deps.auth.db,
          (frame) => this.send(frame),
          (error) => this.#fail(error),
        ),
      );
    }
    // Deleted in between: nothing to follow.
    for (const id of fresh) if (!this.#cursors.has(id)) this.#unfollow(id);
  }

  /** Replays what the client missed, a step of conversations at a time (see resumeCursors). */
  async #resume(positions: Readonly<Record<string, ResumePosition>>): Promise<void> {
    const items = Object.entries(positions).flatMap(([conversationId, position]) => {
      const cursor = this.#cursors.get(conversationId);
      return cursor
        ? [{ cursor, position: typeof position === 'number' ? { seq: position } : position }]
        : [];
    });
    for (const [index, step] of chunked(items, RESUME_STEP).entries()) {
      if (index > 0) await yieldToEventLoop();
      if (this.#closed) return;
      await resumeCursors(this.deps.auth.db, step);
    }
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
      // Once more after work already queued: a connect still walking the user's conversations may have
      // read this one before the removal and would follow it again.
      this.#inbox = this.#inbox
        .then(() => this.#unfollow(event.conversationId))
        .catch((error: unknown) => this.#fail(error));
      return;
    }
    if (event.kind !== 'conversation_changed') return;
    this.#inbox = this.#inbox
      .then(async () => {
        const membership = await findMembership(this.deps.auth.db, event.conversationId, auth.userId);
        if (!membership) return;
        await this.#follow([event.conversationId]);
        const [conversation] = await loadConversations(this.deps.auth.db, auth.userId, [membership]);
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
    for (const lease of this.#leases.splice(0)) lease.release();
    if (this.#auth) this.deps.unregister(this);
  }
}

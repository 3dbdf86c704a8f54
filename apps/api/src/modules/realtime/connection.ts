import {
  type ClientFrame,
  type ServerFrame,
  WS_CLOSE_RATE_LIMITED,
  WS_CLOSE_SESSION_EXPIRED,
  WS_CLOSE_SESSION_REVOKED,
  WS_CLOSE_UNAUTHENTICATED,
} from '@parley/contract';
import type { FastifyBaseLogger } from 'fastify';
import type { RawData, WebSocket } from 'ws';
import { AppError, rateLimited } from '../../errors.js';
import { mfaEnrolmentRequired } from '../../http/auth.js';
import type { BusEvent } from '../../platform/bus/event-bus.js';
import type { AuthDeps } from '../auth/auth.context.js';
import { type AuthContext, authenticate, sessionStanding } from '../auth/session.service.js';
import { loadConversations } from '../conversations/conversation.loader.js';
import { findMembership } from '../conversations/conversation.repository.js';
import { announceTyping, type MessageDeps, sendMessage } from '../messages/message.service.js';
import type { Presence, PresenceSocket } from '../presence/presence.service.js';
import { decodeClientFrame, errorFrame, peekClientId } from './client-frames.js';
import { type Corkable, CorkedSender } from './corked-sender.js';
import { FollowedConversations } from './followed-conversations.js';
import { encodeFrame } from './frame-encoder.js';
import { PresenceView } from './presence-view.js';
import type { FrameBudget, RealtimeLimits } from './realtime.limits.js';
import { SocketAdmission } from './socket-admission.js';

/** A first `auth` frame must arrive this fast when the upgrade carried no session cookie. */
export const AUTH_TIMEOUT_MS = 5_000;
/** At most one typing indicator per conversation per connection this often. */
const TYPING_INTERVAL_MS = 1_500;

/**
 * Over its frame budget, a socket gets a `rate_limited` error per frame only while it reads them: a client
 * that lets this much pile up unread gets nothing more, so its flood cannot grow our send buffer.
 */
const MAX_UNREAD_BYTES = 64 * 1024;

export interface ConnectionDeps {
  readonly auth: AuthDeps;
  readonly messaging: MessageDeps;
  /** Online/away/offline: this socket's part in its user's presence, and what it is told of others'. */
  readonly presence: Presence;
  readonly log: FastifyBaseLogger;
  readonly limits: RealtimeLimits;
  /** The client address (`request.ip`), for the per-address socket cap. */
  readonly address: string;
  /** The TCP socket under the WebSocket (`request.raw.socket`), corked per turn; see CorkedSender. */
  readonly tcp?: Corkable | undefined;
  /** Called once the connection is authenticated / closed, for the session registry. */
  readonly register: (connection: Connection) => void;
  readonly unregister: (connection: Connection) => void;
}

/**
 * One WebSocket: admission, authentication, its frames in arrival order, and the conversations it
 * follows once authenticated (`FollowedConversations`).
 */
export class Connection {
  #auth: AuthContext | undefined;
  #following: FollowedConversations | undefined;
  #presence: PresenceSocket | undefined;
  #view: PresenceView | undefined;
  readonly #lastTyping = new Map<string, number>();
  #closed = false;
  #authTimer: NodeJS.Timeout | undefined;
  readonly #frames: FrameBudget;
  readonly #admission: SocketAdmission;
  readonly #sender: CorkedSender;
  /** Frames are handled one at a time, in arrival order. */
  #inbox: Promise<void> = Promise.resolve();

  constructor(
    readonly socket: WebSocket,
    private readonly deps: ConnectionDeps,
    initialAuth: AuthContext | undefined,
  ) {
    this.#frames = deps.limits.frameBudget();
    this.#admission = new SocketAdmission(deps.limits);
    this.#sender = new CorkedSender(socket, deps.tcp);
    socket.on('message', (data, isBinary) => this.#receive(data, isBinary));
    socket.on('close', () => this.#teardown());
    socket.on('error', () => this.#teardown());
    // Admission first: every frame waits in the inbox behind it.
    this.#enqueue(async () => {
      const refused = await this.#admission.admitAddress(deps.address);
      if (refused) this.#refuse(refused);
    });
    if (initialAuth) {
      this.#enqueue(() => this.#start(initialAuth));
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
    this.#sender.send(encodeFrame(frame));
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

  /** Queues work behind every frame received so far; a failure is reported on the socket. */
  #enqueue(work: () => void | Promise<void>): void {
    this.#inbox = this.#inbox.then(work).catch((error: unknown) => this.#fail(error));
  }

  #fail(error: unknown): void {
    this.deps.log.error({ err: error }, 'websocket connection failed');
    this.send(errorFrame(error));
  }

  /** Refuses the socket over a socket cap: the error frame, then close 4029. */
  #refuse(error: AppError): void {
    this.send(errorFrame(error));
    this.close(WS_CLOSE_RATE_LIMITED, 'rate limited');
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
      this.#enqueue(() => this.#onRaw(data, isBinary));
      return;
    }
    if (this.socket.bufferedAmount > MAX_UNREAD_BYTES) return;
    this.send(errorFrame(rateLimited(wait, 'Too many frames'), peekClientId(data, isBinary)));
  }

  async #onRaw(data: RawData, isBinary: boolean): Promise<void> {
    if (this.#closed) return;
    const decoded = decodeClientFrame(data, isBinary);
    if (decoded.error) {
      this.send(decoded.error);
      return;
    }
    await this.#onFrame(decoded.frame);
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
        await this.#following?.resume(frame.positions);
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
      case 'activity':
        this.#presence?.activity(frame.state);
        return;
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
    if (auth.mfaEnrolmentRequired) {
      // REQUIRE_MFA: no messaging until the account has a second factor.
      this.send(errorFrame(mfaEnrolmentRequired()));
      this.close(WS_CLOSE_UNAUTHENTICATED, 'second factor required');
      return;
    }
    const refused = await this.#admission.admitUser(auth.userId);
    if (refused) {
      this.#refuse(refused);
      return;
    }
    if (this.#closed) return;
    this.#auth = auth;
    this.deps.register(this);
    // The registry closes it at once if its session's end was already announced.
    if (this.#closed) return;
    const view = new PresenceView(auth.userId, this.deps.presence.ledger, (frame) => this.send(frame));
    this.#view = view;
    const following = new FollowedConversations({
      bus: this.deps.messaging.bus,
      db: this.deps.auth.db,
      userId: auth.userId,
      send: (frame) => this.send(frame),
      onError: (error) => this.#fail(error),
      onPresence: (userId, status, version) => view.offer(userId, status, version),
    });
    this.#following = following;
    // The user's channel first: a conversation joined while the walk below runs arrives as an event.
    await following.subscribeUser((event) => this.#onUserEvent(auth.userId, following, event));
    const presence = await this.#followAll(auth.userId, following, view);
    if (!presence) return;
    this.send({
      type: 'ready',
      userId: auth.userId,
      expiresAt: auth.token.expiresAt.toISOString(),
      presence,
    });
  }

  /**
   * Follows every conversation of the user, reading each step's members' presence once the step is
   * followed (a change announced meanwhile is heard too, and the newer version wins); then the socket
   * counts in presence and the view goes live. The statuses for `ready`, or undefined when the socket
   * closed meanwhile. A method of its own so the snapshot (a set of every co-member) is garbage once it
   * returns, not kept alive by the socket's long-lived closures.
   */
  async #followAll(
    userId: string,
    following: FollowedConversations,
    view: PresenceView,
  ): Promise<ReturnType<PresenceView['start']> | undefined> {
    const snapshot = this.deps.presence.snapshot(userId);
    await following.followAll((ids) => snapshot.add(ids));
    if (this.#closed) return undefined;
    this.#presence = this.deps.presence.connect(userId);
    return view.start(snapshot.statuses);
  }

  #onUserEvent(userId: string, following: FollowedConversations, event: BusEvent): void {
    if (event.kind === 'conversation_removed') {
      following.unfollow(event.conversationId);
      this.send({ type: 'conversation_removed', conversationId: event.conversationId });
      // Once more after work already queued: a connect still walking the user's conversations may have
      // read this one before the removal and would follow it again.
      this.#enqueue(() => following.unfollow(event.conversationId));
      return;
    }
    if (event.kind === 'user_changed') {
      // The user's own change, for this tab (other members hear of it on the conversations' channels).
      following.userChanged(event.user, event.at);
      return;
    }
    if (event.kind !== 'conversation_changed') return;
    this.#enqueue(async () => {
      const membership = await findMembership(this.deps.auth.db, event.conversationId, userId);
      if (!membership) return;
      await following.follow([event.conversationId]);
      const [conversation] = await loadConversations(this.deps.auth.db, userId, [membership]);
      if (conversation) this.send({ type: 'conversation', conversation });
      // Its members' presence, as it stands (later changes arrive on the conversation's channel).
      for (const [id, { status, version }] of await this.deps.presence.statusesIn(userId, [
        event.conversationId,
      ]))
        this.#view?.offer(id, status, version);
    });
  }

  #teardown(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#authTimer);
    this.#following?.close();
    this.#presence?.close();
    this.#admission.release();
    if (this.#auth) this.deps.unregister(this);
  }
}

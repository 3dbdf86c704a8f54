import type {
  Attachment,
  Conversation,
  ConversationList,
  Message,
  PublicUser,
  ReplyTo,
  ResumePosition,
  ServerFrame,
  User,
} from '@parley/contract';
import type { QueryClient } from '@tanstack/react-query';
import { ApiError, api, describeError, isApiError } from '../api/client.js';
import { conversationPageQuery, conversationQuery, meQuery } from '../api/queries.js';
import {
  type ConversationsEvent,
  reduceConversations,
  sortedConversations,
  withUserRenamed,
} from './conversation-list.js';
import { advance, missingAfter, type ResumePoint, type ThreadEvent } from './history.js';
import { INITIAL_STATE, type MessagingState, messageArrived, withThread } from './messaging-state.js';
import {
  type OutboxEvent,
  type OutboxItem,
  reduceOutbox,
  retryAfterMs,
  sendFrame,
  tickOutbox,
  toResend,
} from './outbox.js';
import { type PresenceEvent, reducePresence } from './presence.js';
import { RealtimeSocket } from './socket.js';
import { uuid } from './uuid.js';

const PAGE_SIZE = 50;
/** Typing frames go out at most this often per conversation. */
const TYPING_SEND_MS = 3_000;
/** At most this many conversations are named in a `resume` (the newest); older ones reload on opening. */
const RESUME_MAX = 1000;

export interface StoreCallbacks {
  /** The server revoked this session (`session_revoked` / close 4001). */
  onSessionEnded(): void;
}

/**
 * The coordinator behind the messaging screens: owns the tab's WebSocket and timers, calls the API, and
 * applies the pure reducers (messaging-state.ts and the modules it names) to one immutable state:
 * - a resume point `{ seq, rev }` per conversation, sent on every (re)connect so messages, edits and
 *   deletes made while the tab was away are replayed, merged once and in order, holes filled from the API;
 * - an outbox of optimistic sends keyed by `clientId`, re-sent with the same id after a reconnect (the
 *   server answers a repeated clientId with the stored message), held and released in order over the send
 *   limit, failed after a timeout with a Retry.
 * Components read it through `subscribe`/`getState` (useSyncExternalStore) and change it only by calling
 * its methods.
 */
export class MessagingStore {
  #state: MessagingState = INITIAL_STATE;
  readonly #listeners = new Set<() => void>();
  readonly #points = new Map<string, ResumePoint>();
  readonly #lastTypingSent = new Map<string, number>();
  readonly #socket: RealtimeSocket;
  #live = false;
  #running = false;
  #timer: number | undefined;
  /** The conversation on screen, for announcements. */
  #active: string | undefined;
  /** List pages already folded into the state (callers that joined one request get the same answer). */
  readonly #folded = new WeakSet<object>();
  readonly #readInFlight = new Set<string>();
  /** Until when (ms) sends are held because the server said `rate_limited`; 0 when not holding. */
  #holdUntil = 0;

  constructor(
    readonly userId: string,
    private readonly callbacks: StoreCallbacks,
    /** The app's server cache: list pages, single conversations and the session refresh go through it. */
    private readonly queries: QueryClient,
  ) {
    this.#socket = new RealtimeSocket({
      onReady: () => void this.#onReady(),
      onFrame: (frame) => this.#onFrame(frame),
      onStatus: (status) => {
        if (status !== 'open') this.#live = false;
        this.#replace({ ...this.#state, connection: status === 'open' ? 'syncing' : status });
      },
      onRevoked: () => this.callbacks.onSessionEnded(),
      // Refused before `ready`: ask the API who we are; a 401 there signs the app out.
      onRefused: () => void this.queries.fetchQuery(meQuery).catch(() => undefined),
      // A 401 here also signs the app out (the API client tells the session context).
      refreshSession: () =>
        this.queries.fetchQuery(meQuery).then(
          () => 'live' as const,
          (error: unknown) => (isApiError(error, 'unauthenticated') ? 'ended' : 'unknown'),
        ),
    });
  }

  // --- external store ---------------------------------------------------------------------------

  subscribe = (listener: () => void): (() => void) => {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  };

  getState = (): MessagingState => this.#state;

  #replace(next: MessagingState): void {
    if (next === this.#state) return;
    this.#state = next;
    for (const listener of this.#listeners) listener();
  }

  #list(event: ConversationsEvent): void {
    const next = reduceConversations(this.#state, event);
    if (next !== this.#state) this.#replace({ ...this.#state, ...next });
  }

  #thread(id: string, event: ThreadEvent): void {
    this.#replace(withThread(this.#state, id, event));
  }

  #outbox(event: OutboxEvent): void {
    const outbox = reduceOutbox(this.#state.outbox, event);
    if (outbox !== this.#state.outbox) this.#replace({ ...this.#state, outbox });
  }

  #presence(event: PresenceEvent): void {
    const next = reducePresence(this.#state, event);
    if (next !== this.#state) this.#replace({ ...this.#state, ...next });
  }

  /** Where replay starts for conversations seen for the first time; after that only the socket moves it. */
  #remember(conversations: readonly Conversation[]): void {
    for (const { id, lastSeq, lastRev } of conversations) {
      if (!this.#points.has(id)) this.#points.set(id, { seq: lastSeq, rev: lastRev });
    }
  }

  // --- lifecycle --------------------------------------------------------------------------------

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#socket.start();
    void this.refreshList();
    this.#timer = window.setInterval(() => this.#tick(), 1_000);
  }

  stop(): void {
    if (!this.#running) return;
    this.#running = false;
    this.#live = false;
    this.#socket.stop();
    window.clearInterval(this.#timer);
  }

  // --- conversations ----------------------------------------------------------------------------

  /**
   * (Re)loads the first page of the list and merges it with what is already known (see firstPage). Whether
   * it is loading or failed is the page query's state (useListStatus).
   */
  refreshList(): Promise<void> {
    return this.queries.fetchQuery(conversationPageQuery(null)).then(
      (page) => this.#fold(page, { type: 'first_page', page }),
      () => undefined,
    );
  }

  /** The next page of older conversations (infinite scroll down the list). */
  loadMore(): Promise<void> {
    const { nextCursor: cursor, ready } = this.#state.list;
    if (!cursor || !ready) return Promise.resolve();
    return this.queries.fetchQuery(conversationPageQuery(cursor)).then(
      (page) => this.#fold(page, { type: 'more_loaded', cursor, page }),
      () => undefined,
    );
  }

  #fold(page: ConversationList, event: ConversationsEvent): void {
    if (this.#folded.has(page)) return;
    this.#folded.add(page);
    this.#remember(
      page.conversations.filter((c) => event.type === 'first_page' || !this.#state.removed[c.id]),
    );
    this.#list(event);
  }

  /** A message arrived for a conversation the list has not loaded (an older page): fetch it. */
  #discover(id: string): void {
    if (this.#state.removed[id] || this.#state.conversations[id]) return;
    this.queries.fetchQuery(conversationQuery(id)).then(
      (conversation) => {
        if (!this.#state.removed[id]) this.adopt(conversation);
      },
      () => undefined,
    );
  }

  /** Fetches a conversation again (its members changed) and adopts what the server says. */
  async reload(id: string): Promise<void> {
    this.adopt(await this.queries.fetchQuery(conversationQuery(id)));
  }

  /** Adopts a conversation the API returned (created, fetched, membership changed). */
  adopt(conversation: Conversation): void {
    this.#remember([conversation]);
    this.#list({ type: 'adopted', conversation });
  }

  /** After leaving a group or being removed: forget it. */
  forget(conversationId: string): void {
    this.#points.delete(conversationId);
    this.#list({ type: 'forgotten', conversationId });
    this.#outbox({ type: 'conversation_gone', conversationId });
  }

  /**
   * The conversation on screen: made known (deep link) with its newest messages loaded, and announced to
   * screen readers as messages arrive. Returns what to call when it leaves the screen.
   */
  show(id: string): () => void {
    this.#active = id;
    void this.open(id);
    return () => {
      if (this.#active === id) this.#active = undefined;
    };
  }

  /** Makes sure a conversation is known (deep link) and its newest messages are loaded. */
  async open(id: string): Promise<void> {
    if (!this.#state.conversations[id]) {
      try {
        this.adopt(await this.queries.fetchQuery(conversationQuery(id)));
      } catch (error) {
        this.#thread(id, { type: 'failed', error: describeError(error) });
        return;
      }
    }
    const thread = this.#state.threads[id];
    if (!thread || thread.history === 'unloaded' || thread.history === 'error') await this.#loadLatest(id);
  }

  async #loadLatest(id: string): Promise<void> {
    this.#thread(id, { type: 'latest_loading' });
    try {
      const page = await api.messages(id, { limit: PAGE_SIZE });
      this.#thread(id, { type: 'latest_loaded', messages: page.messages, hasMore: page.hasMore });
      await this.#fillGaps(id);
    } catch (error) {
      this.#thread(id, { type: 'failed', error: describeError(error) });
    }
  }

  /** Fetches any messages missing between ones held, or after them up to the newest the server named. */
  async #fillGaps(id: string): Promise<void> {
    for (let round = 0; round < 50; round++) {
      const lastSeq = this.#state.conversations[id]?.lastSeq;
      const thread = this.#state.threads[id];
      const after = missingAfter(thread?.messages ?? [], lastSeq, thread?.holes);
      if (after === undefined) return;
      const page = await api.messages(id, { after, limit: 100 });
      if (page.messages.length === 0) return;
      this.#thread(id, { type: 'merged', messages: page.messages });
    }
  }

  /** One page further back in history (infinite scroll up). */
  async loadOlder(id: string): Promise<void> {
    const thread = this.#state.threads[id];
    if (!thread || thread.loadingOlder || !thread.hasMoreBefore) return;
    const oldest = thread.messages[0]?.seq;
    if (oldest === undefined) return;
    this.#thread(id, { type: 'older_loading' });
    try {
      const page = await api.messages(id, { before: oldest, limit: PAGE_SIZE });
      this.#thread(id, { type: 'older_loaded', messages: page.messages, hasMore: page.hasMore });
    } catch (error) {
      this.#thread(id, { type: 'older_failed', error: describeError(error) });
    }
  }

  /**
   * Makes sure the message at `seq` is held (a jump to a reply's original): when it is not, loads a page
   * around it; the gap between that page and the rest stays a hole until loaded (`loadGap`). Resolves to
   * whether it is held now.
   */
  async jumpTo(id: string, seq: number): Promise<boolean> {
    const held = () => this.#state.threads[id]?.messages.some((m) => m.seq === seq) ?? false;
    if (held()) return true;
    const page = await api.messages(id, { around: seq, limit: PAGE_SIZE });
    this.#thread(id, {
      type: 'around_loaded',
      messages: page.messages,
      hasMore: page.hasMore,
      hasMoreAfter: page.hasMoreAfter ?? false,
    });
    return held();
  }

  /** Loads the messages after a hole's seq (a page; the rest stays a hole). */
  async loadGap(id: string, after: number): Promise<void> {
    const thread = this.#state.threads[id];
    if (!thread || thread.loadingGap !== undefined || !thread.holes.includes(after)) return;
    this.#thread(id, { type: 'gap_loading', after });
    try {
      const page = await api.messages(id, { after, limit: PAGE_SIZE });
      this.#thread(id, { type: 'gap_loaded', after, messages: page.messages });
    } catch (error) {
      this.#thread(id, { type: 'gap_failed', error: describeError(error) });
    }
  }

  // --- sending ----------------------------------------------------------------------------------

  /**
   * Optimistic send: shown at once as pending, sent over the socket now or as soon as it is live. A reply
   * names the message it answers (`replyTo`, as the user saw it).
   */
  send(
    conversationId: string,
    body: string,
    attachments: readonly Attachment[] = [],
    replyTo?: ReplyTo,
  ): void {
    const item: OutboxItem = {
      clientId: uuid(),
      conversationId,
      body,
      attachments,
      ...(replyTo ? { replyTo } : {}),
      createdAt: new Date().toISOString(),
      status: 'sending',
    };
    this.#outbox({ type: 'queued', item });
    this.#transmit(item.clientId);
  }

  /** The user's Retry on a failed message: same clientId, so it is never stored twice. */
  retry(clientId: string): void {
    this.#outbox({ type: 'resending', clientId });
    this.#transmit(clientId);
  }

  /** Drops a failed message the user no longer wants to send. */
  discard(clientId: string): void {
    this.#outbox({ type: 'discarded', clientId });
  }

  #transmit(clientId: string): void {
    const item = this.#state.outbox.find((entry) => entry.clientId === clientId);
    if (!item || !this.#live) return;
    // Over the send limit: wait with the others, then go out in order (see #tick).
    if (Date.now() < this.#holdUntil) {
      this.#outbox({ type: 'waiting', clientId, until: this.#holdUntil });
      return;
    }
    if (this.#socket.send(sendFrame(item))) this.#outbox({ type: 'sent', clientId, at: Date.now() });
  }

  async edit(message: Message, body: string): Promise<void> {
    const updated = await api.editMessage(message.id, body);
    this.#applyMessage(updated, 'update');
  }

  async remove(message: Message): Promise<void> {
    await api.deleteMessage(message.id);
    // Shown deleted at once; the `message_updated` event (higher rev) brings the server's copy.
    this.#thread(message.conversationId, {
      type: 'deleted',
      messageId: message.id,
      at: new Date().toISOString(),
    });
  }

  /**
   * Adds (`on`) or removes the user's reaction: shown at once, undone if the API refuses (the error is
   * thrown for the caller to show). The server's `message_updated` (a higher rev) replaces the local copy.
   */
  async react(message: Message, emoji: string, on: boolean): Promise<void> {
    const id = message.conversationId;
    const event = { type: 'reacted', messageId: message.id, emoji, userId: this.userId } as const;
    this.#thread(id, { ...event, on });
    try {
      await api.react(message.id, emoji, on);
    } catch (error) {
      this.#thread(id, { ...event, on: !on });
      throw error;
    }
  }

  /** Tells others the user is typing, at most every few seconds. */
  typing(conversationId: string): void {
    const now = Date.now();
    if (now - (this.#lastTypingSent.get(conversationId) ?? 0) < TYPING_SEND_MS) return;
    if (this.#live && this.#socket.send({ type: 'typing', conversationId })) {
      this.#lastTypingSent.set(conversationId, now);
    }
  }

  /** Moves the read marker to the newest message held, when the user can see it. */
  markRead(conversationId: string): void {
    const newest = this.#state.threads[conversationId]?.messages.at(-1)?.seq;
    if (newest === undefined) return;
    const before = this.#state.conversations;
    this.#list({ type: 'read', conversationId, seq: newest, elsewhere: false });
    if (this.#state.conversations !== before) this.#postRead(conversationId);
  }

  /**
   * Stores the local read position, one request per conversation at a time. Over the read-marker limit it
   * posts again once the window has passed, so the marker is never left behind on the server.
   */
  #postRead(conversationId: string): void {
    const seq = this.#state.conversations[conversationId]?.lastReadSeq;
    if (seq === undefined || !this.#running || this.#readInFlight.has(conversationId)) return;
    this.#readInFlight.add(conversationId);
    api.markRead(conversationId, seq).then(
      () => {
        this.#readInFlight.delete(conversationId);
        // Read further while this request was in flight: store that too.
        if ((this.#state.conversations[conversationId]?.lastReadSeq ?? 0) > seq)
          this.#postRead(conversationId);
      },
      (error: unknown) => {
        this.#readInFlight.delete(conversationId);
        if (isApiError(error, 'rate_limited')) {
          window.setTimeout(() => this.#postRead(conversationId), (error.retryAfterSeconds ?? 5) * 1000);
        }
      },
    );
  }

  // --- socket -----------------------------------------------------------------------------------

  /** After every (re)connect: refresh the list, then resume each conversation from its resume point. */
  async #onReady(): Promise<void> {
    this.#live = false;
    await this.refreshList();
    if (!this.#socket.ready) return;
    const positions: Record<string, ResumePosition> = {};
    for (const { id } of sortedConversations(this.#state.conversations).slice(0, RESUME_MAX)) {
      const point = this.#points.get(id);
      if (point) positions[id] = { seq: point.seq, rev: point.rev };
    }
    this.#socket.send({ type: 'resume', positions });
  }

  #onResumed(): void {
    this.#live = true;
    this.#replace({ ...this.#state, connection: 'live' });
    // Everything not acknowledged yet goes again, with the same clientId, in order.
    for (const clientId of toResend(this.#state.outbox)) {
      this.#outbox({ type: 'resending', clientId });
      this.#transmit(clientId);
    }
    for (const [id, thread] of Object.entries(this.#state.threads)) {
      if (thread.history === 'loaded') void this.#fillGaps(id).catch(() => undefined);
      if (thread.history === 'error' && this.#state.conversations[id]) void this.#loadLatest(id);
    }
  }

  #onFrame(frame: ServerFrame): void {
    switch (frame.type) {
      case 'resumed':
        this.#onResumed();
        return;
      case 'message':
        this.#applyMessage(frame.message, 'new');
        return;
      case 'message_updated':
        this.#applyMessage(frame.message, 'update');
        return;
      case 'ack':
        this.#applyMessage(frame.message, 'ack');
        return;
      case 'error':
        if (frame.clientId && frame.error.code === 'rate_limited') {
          // Refused for the send limit: hold every send until the window has passed.
          this.#holdUntil = Math.max(this.#holdUntil, Date.now() + retryAfterMs(frame.error.details));
          this.#outbox({ type: 'waiting', clientId: frame.clientId, until: this.#holdUntil });
        } else if (frame.clientId) {
          const error = describeError(new ApiError(frame.error.code, frame.error.message, 0));
          this.#outbox({ type: 'rejected', clientId: frame.clientId, error });
        }
        return;
      case 'typing':
        this.#presence({
          type: 'typing',
          conversationId: frame.conversationId,
          userId: frame.userId,
          now: Date.now(),
        });
        return;
      case 'read':
        if (frame.userId === this.userId) {
          // Read in another tab or device.
          this.#list({ type: 'read', conversationId: frame.conversationId, seq: frame.seq, elsewhere: true });
        } else {
          this.#presence({
            type: 'read',
            conversationId: frame.conversationId,
            userId: frame.userId,
            seq: frame.seq,
          });
        }
        return;
      case 'conversation': {
        // New to this tab (created, or added to it), or changed: the server follows it from now on.
        this.adopt(frame.conversation);
        const id = frame.conversation.id;
        // Messages sent before the server started following it are fetched, if the thread is open.
        if (this.#state.threads[id]?.history === 'loaded') void this.#fillGaps(id).catch(() => undefined);
        return;
      }
      case 'conversation_removed':
        this.forget(frame.conversationId);
        return;
      case 'user_updated':
        this.#userRenamed(frame.user);
        return;
      default:
        return;
    }
  }

  /**
   * Someone's new display name (a member, a former member, or the user in another tab): into the live
   * list and into the server cache (the user's own `me`, fetched conversations), so nothing shows the old
   * name until it is fetched again.
   */
  #userRenamed(user: PublicUser): void {
    this.#list({ type: 'user_renamed', user });
    if (user.id === this.userId) {
      this.queries.setQueryData<User>(meQuery.queryKey, (me) =>
        me && me.displayName !== user.displayName ? { ...me, displayName: user.displayName } : me,
      );
    }
    this.queries.setQueriesData<Conversation | ConversationList>({ queryKey: ['conversations'] }, (data) => {
      if (!data) return data;
      if ('conversations' in data) {
        const conversations = data.conversations.map((c) => withUserRenamed(c, user));
        return conversations.every((c, index) => c === data.conversations[index])
          ? data
          : { ...data, conversations };
      }
      return withUserRenamed(data, user);
    });
  }

  /** A message from the socket (new, updated, or our own acknowledged) into state and resume points. */
  #applyMessage(message: Message, kind: 'new' | 'update' | 'ack'): void {
    const id = message.conversationId;
    const point = this.#points.get(id);
    if (point) this.#points.set(id, advance(point, message, kind));
    this.#replace(
      messageArrived(this.#state, message, kind, {
        userId: this.userId,
        live: this.#live,
        activeConversation: this.#active,
      }),
    );
    if (!this.#state.conversations[id] && kind === 'new') this.#discover(id);
  }

  #tick(): void {
    const now = Date.now();
    this.#presence({ type: 'tick', now });
    const { outbox, holdUntil, release } = tickOutbox(this.#state.outbox, {
      now,
      live: this.#live,
      holdUntil: this.#holdUntil,
    });
    this.#holdUntil = holdUntil;
    if (outbox !== this.#state.outbox) this.#replace({ ...this.#state, outbox });
    // The send limit's window has passed: everything held goes out again, in outbox order.
    for (const clientId of release) this.#transmit(clientId);
  }
}

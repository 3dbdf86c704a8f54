import {
  type Attachment,
  type Conversation,
  type Message,
  RateLimitedDetails,
  type ResumePosition,
  type ServerFrame,
} from '@parley/contract';
import type { QueryClient } from '@tanstack/react-query';
import { ApiError, api, describeError, isApiError } from '../api/client.js';
import { meQuery } from '../api/queries.js';
import { byActivity, firstGap, mergeMessages } from './merge.js';
import { RealtimeSocket, type SocketStatus } from './socket.js';

/** A message the user sent that the server has not acknowledged yet. */
export interface OutboxItem {
  readonly clientId: string;
  readonly conversationId: string;
  readonly body: string;
  readonly attachments: readonly Attachment[];
  readonly createdAt: string;
  readonly status: 'sending' | 'failed';
  /** Why it failed, in words. */
  readonly error?: string;
  /** `timeout` failures are retried automatically after a reconnect; `rejected` ones only by the user. */
  readonly reason?: 'timeout' | 'rejected';
  /** When it was last handed to the socket (ms), if it was. */
  readonly sentAt?: number;
  /**
   * The server refused it for the send limit (`rate_limited`): it goes out again by itself at this time
   * (ms), and is shown as waiting until then. Messages sent meanwhile wait behind it, in order.
   */
  readonly retryAt?: number;
}

/** Seconds to wait from a `rate_limited` error's details; a short pause if the server named none. */
export function retryAfterMs(details: unknown): number {
  const parsed = RateLimitedDetails.safeParse(details);
  return (parsed.success ? parsed.data.retryAfter : 5) * 1000;
}

/** The messages of one conversation the client holds: a seq-ordered, contiguous window ending at the newest. */
export interface Thread {
  readonly messages: readonly Message[];
  readonly history: 'unloaded' | 'loading' | 'loaded' | 'error';
  readonly historyError?: string;
  readonly hasMoreBefore: boolean;
  readonly loadingOlder: boolean;
  readonly olderError?: string;
}

export type ConnectionStatus = SocketStatus | 'syncing' | 'live';

export interface MessagingState {
  readonly connection: ConnectionStatus;
  readonly list: {
    readonly status: 'loading' | 'ready' | 'error';
    readonly error?: string;
    /** Older conversations exist beyond those loaded (the list loads a page at a time). */
    readonly hasMore: boolean;
    readonly loadingMore: boolean;
    readonly moreError?: string;
  };
  readonly conversations: Readonly<Record<string, Conversation>>;
  readonly threads: Readonly<Record<string, Thread>>;
  readonly outbox: readonly OutboxItem[];
  /** conversationId → userId → until when (ms) they are shown typing. */
  readonly typing: Readonly<Record<string, Readonly<Record<string, number>>>>;
  /** conversationId → userId → the seq they have read up to (from live `read` events). */
  readonly readers: Readonly<Record<string, Readonly<Record<string, number>>>>;
  /** Conversations the user left or was removed from during this visit. */
  readonly removed: Readonly<Record<string, true>>;
  /** The latest polite announcement for screen readers (new message in the open conversation). */
  readonly announcement: string;
}

const EMPTY_THREAD: Thread = { messages: [], history: 'unloaded', hasMoreBefore: false, loadingOlder: false };
const PAGE_SIZE = 50;
/** Conversations per page of the list. */
const LIST_PAGE_SIZE = 50;
/** An unacknowledged send is shown as failed (with Retry) after this long. */
const ACK_TIMEOUT_MS = 15_000;
/** Typing frames go out at most this often per conversation; others show "typing" this long after one. */
const TYPING_SEND_MS = 3_000;
const TYPING_SHOW_MS = 5_000;

/** A v4 UUID; `crypto.randomUUID` exists only in secure contexts, so build one from random bytes otherwise. */
export function uuid(): string {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x40;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = [...bytes].map((byte) => byte.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export interface StoreCallbacks {
  /** The server revoked this session (`session_revoked` / close 4001). */
  onSessionEnded(): void;
}

/**
 * Everything the messaging screens show, kept in step with the server over one WebSocket:
 * - a resume position `{ seq, rev }` per conversation, sent on every (re)connect so messages, edits and
 *   deletes made while the tab was away are replayed;
 * - messages deduplicated by id (higher `rev` wins) and ordered by seq, holes filled from the API;
 * - an outbox of optimistic sends keyed by `clientId`, re-sent with the same id after a reconnect (the
 *   server answers a repeated clientId with the stored message), failed after a timeout with a Retry.
 * React reads it through `subscribe`/`getState` (useSyncExternalStore); every change is a new snapshot.
 */
export class MessagingStore {
  #state: MessagingState = {
    connection: 'connecting',
    list: { status: 'loading', hasMore: false, loadingMore: false },
    conversations: {},
    threads: {},
    outbox: [],
    typing: {},
    readers: {},
    removed: {},
    announcement: '',
  };
  readonly #listeners = new Set<() => void>();
  readonly #positions = new Map<string, { seq: number; rev: number }>();
  readonly #lastTypingSent = new Map<string, number>();
  readonly #socket: RealtimeSocket;
  #live = false;
  #timer: number | undefined;
  #running = false;
  #listRequest: Promise<void> | undefined;
  /** Where the next page of the list starts; null once the oldest conversation is loaded. */
  #nextCursor: string | null = null;
  #moreRequest: Promise<void> | undefined;
  /** Conversations being fetched because a message arrived for one not loaded yet. */
  readonly #discovering = new Set<string>();
  #readInFlight = new Set<string>();
  /** Until when (ms) sends are held because the server said `rate_limited`; 0 when not holding. */
  #holdUntil = 0;

  constructor(
    readonly userId: string,
    private readonly callbacks: StoreCallbacks,
    /** The app's server cache: the session refresh goes through its `me` query. */
    private readonly queries: QueryClient,
  ) {
    this.#socket = new RealtimeSocket({
      onReady: () => void this.#onReady(),
      onFrame: (frame) => this.#onFrame(frame),
      onStatus: (status) => {
        if (status !== 'open') this.#live = false;
        this.#set({ connection: status === 'open' ? 'syncing' : status });
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

  #set(patch: Partial<MessagingState>): void {
    this.#state = { ...this.#state, ...patch };
    for (const listener of this.#listeners) listener();
  }

  #setThread(id: string, update: (thread: Thread) => Thread): void {
    const current = this.#state.threads[id] ?? EMPTY_THREAD;
    const next = update(current);
    if (next !== current) this.#set({ threads: { ...this.#state.threads, [id]: next } });
  }

  #setConversation(conversation: Conversation): void {
    this.#set({ conversations: { ...this.#state.conversations, [conversation.id]: conversation } });
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

  /** Sorted conversations, newest activity first. */
  static sorted(conversations: MessagingState['conversations']): Conversation[] {
    return Object.values(conversations).sort(byActivity);
  }

  // --- conversations ----------------------------------------------------------------------------

  /**
   * (Re)loads the first page of the list and merges it with what live events and later pages already
   * told us. A conversation the first page should hold but does not was left or removed meanwhile; one
   * older than the page's last stays (a later page holds it), and loading more goes on after it.
   */
  refreshList(): Promise<void> {
    this.#listRequest ??= api
      .conversations({ limit: LIST_PAGE_SIZE })
      .then(
        ({ conversations, nextCursor }) => {
          const merged: Record<string, Conversation> = {};
          for (const fetched of conversations) merged[fetched.id] = this.#mergeInfo(fetched);
          const last = conversations.at(-1);
          let keptOlder = false;
          for (const [id, local] of Object.entries(this.#state.conversations)) {
            if (id in merged || this.#state.removed[id]) continue;
            // Conversations opened directly (deep link) before the list arrived stay known.
            const beyondPage = nextCursor !== null && (!last || byActivity(local, last) > 0);
            if (this.#state.list.status !== 'ready' || beyondPage) {
              merged[id] = local;
              if (beyondPage) keptOlder = true;
            }
          }
          // Pages already loaded further down stay loaded: continue after the oldest of them.
          if (nextCursor === null || !keptOlder || this.#state.list.status !== 'ready') {
            this.#nextCursor = nextCursor;
          }
          this.#set({
            conversations: merged,
            list: {
              status: 'ready',
              hasMore: this.#nextCursor !== null,
              loadingMore: this.#state.list.loadingMore,
            },
          });
        },
        (error: unknown) => {
          if (this.#state.list.status !== 'ready') {
            this.#set({ list: { ...this.#state.list, status: 'error', error: describeError(error) } });
          }
        },
      )
      .finally(() => {
        this.#listRequest = undefined;
      });
    return this.#listRequest;
  }

  /** The next page of older conversations (infinite scroll down the list). */
  loadMore(): Promise<void> {
    const cursor = this.#nextCursor;
    if (!cursor || this.#state.list.status !== 'ready') return Promise.resolve();
    this.#moreRequest ??= (async () => {
      this.#set({ list: { ...this.#state.list, loadingMore: true, moreError: undefined } });
      try {
        const page = await api.conversations({ cursor, limit: LIST_PAGE_SIZE });
        // A refresh meanwhile may have moved the cursor on; this page is still true, so keep it.
        if (this.#nextCursor === cursor) this.#nextCursor = page.nextCursor;
        const conversations = { ...this.#state.conversations };
        for (const fetched of page.conversations) {
          if (!this.#state.removed[fetched.id]) conversations[fetched.id] = this.#mergeInfo(fetched);
        }
        this.#set({
          conversations,
          list: { ...this.#state.list, hasMore: this.#nextCursor !== null, loadingMore: false },
        });
      } catch (error) {
        this.#set({ list: { ...this.#state.list, loadingMore: false, moreError: describeError(error) } });
      } finally {
        this.#moreRequest = undefined;
      }
    })();
    return this.#moreRequest;
  }

  /** A message arrived for a conversation the list has not loaded (an older page): fetch it, once. */
  #discover(id: string): void {
    if (this.#discovering.has(id) || this.#state.removed[id] || this.#state.conversations[id]) return;
    this.#discovering.add(id);
    api
      .conversation(id)
      .then(
        (conversation) => {
          if (!this.#state.removed[id]) this.adopt(conversation);
        },
        () => undefined,
      )
      .finally(() => this.#discovering.delete(id));
  }

  /**
   * What the server says about a conversation, merged with local knowledge: a snapshot older than what
   * live events delivered keeps the local last message and counters. The resume position is set only the
   * first time a conversation is seen; after that only the socket moves it.
   */
  #mergeInfo(fetched: Conversation): Conversation {
    if (!this.#positions.has(fetched.id)) {
      this.#positions.set(fetched.id, { seq: fetched.lastSeq, rev: fetched.lastRev });
    }
    const local = this.#state.conversations[fetched.id];
    if (!local || fetched.lastRev >= local.lastRev) {
      // A read marker posted but not yet stored when the snapshot was taken.
      if (local && local.lastReadSeq > fetched.lastReadSeq) {
        const unreadCount = local.lastReadSeq >= fetched.lastSeq ? 0 : fetched.unreadCount;
        return { ...fetched, lastReadSeq: local.lastReadSeq, unreadCount };
      }
      return fetched;
    }
    return { ...local, members: fetched.members, title: fetched.title, type: fetched.type };
  }

  /** Adopts a conversation the API returned (created, fetched, membership changed). */
  adopt(conversation: Conversation): Conversation {
    const merged = this.#mergeInfo(conversation);
    const removed = { ...this.#state.removed };
    delete removed[conversation.id];
    this.#set({ conversations: { ...this.#state.conversations, [conversation.id]: merged }, removed });
    return merged;
  }

  /** Makes sure a conversation is known (deep link) and its newest messages are loaded. */
  async open(id: string): Promise<void> {
    if (!this.#state.conversations[id]) {
      try {
        this.adopt(await api.conversation(id));
      } catch (error) {
        this.#setThread(id, (thread) => ({
          ...thread,
          history: 'error',
          historyError: describeError(error),
        }));
        return;
      }
    }
    const thread = this.#state.threads[id];
    if (!thread || thread.history === 'unloaded' || thread.history === 'error') await this.#loadLatest(id);
  }

  async #loadLatest(id: string): Promise<void> {
    this.#setThread(id, (thread) => ({ ...thread, history: 'loading', historyError: undefined }));
    try {
      const page = await api.messages(id, { limit: PAGE_SIZE });
      this.#setThread(id, (thread) => ({
        ...thread,
        messages: mergeMessages(thread.messages, page.messages),
        history: 'loaded',
        hasMoreBefore: page.hasMore,
      }));
      await this.#fillGaps(id);
    } catch (error) {
      this.#setThread(id, (thread) => ({ ...thread, history: 'error', historyError: describeError(error) }));
    }
  }

  /** Fetches any messages missing between ones already held (a safety net: seq has no gaps). */
  async #fillGaps(id: string): Promise<void> {
    for (let round = 0; round < 50; round++) {
      const gap = firstGap(this.#state.threads[id]?.messages ?? []);
      if (gap === undefined) return;
      const page = await api.messages(id, { after: gap, limit: 100 });
      if (page.messages.length === 0) return;
      this.#setThread(id, (thread) => ({
        ...thread,
        messages: mergeMessages(thread.messages, page.messages),
      }));
    }
  }

  /** One page further back in history (infinite scroll up). */
  async loadOlder(id: string): Promise<void> {
    const thread = this.#state.threads[id];
    if (!thread || thread.loadingOlder || !thread.hasMoreBefore) return;
    const oldest = thread.messages[0]?.seq;
    if (oldest === undefined) return;
    this.#setThread(id, (current) => ({ ...current, loadingOlder: true, olderError: undefined }));
    try {
      const page = await api.messages(id, { before: oldest, limit: PAGE_SIZE });
      this.#setThread(id, (current) => ({
        ...current,
        messages: mergeMessages(current.messages, page.messages),
        hasMoreBefore: page.hasMore,
        loadingOlder: false,
      }));
    } catch (error) {
      this.#setThread(id, (current) => ({
        ...current,
        loadingOlder: false,
        olderError: describeError(error),
      }));
    }
  }

  // --- sending ----------------------------------------------------------------------------------

  /** Optimistic send: shown at once as pending, sent over the socket now or as soon as it is live. */
  send(conversationId: string, body: string, attachments: readonly Attachment[] = []): void {
    const item: OutboxItem = {
      clientId: uuid(),
      conversationId,
      body,
      attachments,
      createdAt: new Date().toISOString(),
      status: 'sending',
    };
    this.#set({ outbox: [...this.#state.outbox, item] });
    this.#transmit(item.clientId);
  }

  /** The user's Retry on a failed message: same clientId, so it is never stored twice. */
  retry(clientId: string): void {
    this.#updateOutbox(clientId, (item) => ({
      ...item,
      status: 'sending',
      error: undefined,
      reason: undefined,
      sentAt: undefined,
    }));
    this.#transmit(clientId);
  }

  /** Drops a failed message the user no longer wants to send. */
  discard(clientId: string): void {
    this.#set({ outbox: this.#state.outbox.filter((item) => item.clientId !== clientId) });
  }

  #transmit(clientId: string): void {
    const item = this.#state.outbox.find((entry) => entry.clientId === clientId);
    if (!item || !this.#live) return;
    if (Date.now() < this.#holdUntil) {
      // Over the send limit: wait with the others, then go out in order (see #tick).
      if (item.retryAt !== this.#holdUntil) {
        this.#updateOutbox(clientId, (entry) => ({ ...entry, retryAt: this.#holdUntil, sentAt: undefined }));
      }
      return;
    }
    const sent = this.#socket.send({
      type: 'send',
      conversationId: item.conversationId,
      clientId: item.clientId,
      body: item.body,
      ...(item.attachments.length > 0 ? { attachmentIds: item.attachments.map((a) => a.id) } : {}),
    });
    if (sent) this.#updateOutbox(clientId, (entry) => ({ ...entry, sentAt: Date.now(), retryAt: undefined }));
  }

  /** The server refused a send for the rate limit: hold every send until the window has passed. */
  #onRateLimited(clientId: string, waitMs: number): void {
    this.#holdUntil = Math.max(this.#holdUntil, Date.now() + waitMs);
    this.#updateOutbox(clientId, (item) => ({
      ...item,
      status: 'sending',
      error: undefined,
      reason: undefined,
      sentAt: undefined,
      retryAt: this.#holdUntil,
    }));
  }

  #updateOutbox(clientId: string, update: (item: OutboxItem) => OutboxItem): void {
    this.#set({
      outbox: this.#state.outbox.map((item) => (item.clientId === clientId ? update(item) : item)),
    });
  }

  /** Removes outbox entries the server has stored (ack, or the message event with our clientId). */
  #settle(message: Message): void {
    if (message.senderId !== this.userId) return;
    if (!this.#state.outbox.some((item) => item.clientId === message.clientId)) return;
    this.#set({ outbox: this.#state.outbox.filter((item) => item.clientId !== message.clientId) });
  }

  async edit(message: Message, body: string): Promise<void> {
    const updated = await api.editMessage(message.id, body);
    this.#applyMessage(updated, 'update');
  }

  async remove(message: Message): Promise<void> {
    await api.deleteMessage(message.id);
    // Shown deleted at once; the `message_updated` event (higher rev) brings the server's copy.
    this.#setThread(message.conversationId, (thread) => ({
      ...thread,
      messages: thread.messages.map((m) =>
        m.id === message.id ? { ...m, body: '', attachments: [], deletedAt: new Date().toISOString() } : m,
      ),
    }));
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
    const conversation = this.#state.conversations[conversationId];
    const newest = this.#state.threads[conversationId]?.messages.at(-1)?.seq;
    if (!conversation || newest === undefined) return;
    if (newest <= conversation.lastReadSeq && conversation.unreadCount === 0) return;
    const seq = Math.max(newest, conversation.lastReadSeq);
    this.#setConversation({ ...conversation, lastReadSeq: seq, unreadCount: 0 });
    this.#postRead(conversationId);
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

  /** After leaving a group or being removed: forget it. */
  forget(conversationId: string): void {
    const conversations = { ...this.#state.conversations };
    delete conversations[conversationId];
    this.#positions.delete(conversationId);
    this.#set({
      conversations,
      removed: { ...this.#state.removed, [conversationId]: true },
      outbox: this.#state.outbox.filter((item) => item.conversationId !== conversationId),
    });
  }

  // --- socket -----------------------------------------------------------------------------------

  /** After every (re)connect: refresh the list, then resume each conversation from its position. */
  async #onReady(): Promise<void> {
    this.#live = false;
    await this.refreshList();
    if (!this.#socket.ready) return;
    const positions: Record<string, ResumePosition> = {};
    const known = MessagingStore.sorted(this.#state.conversations).slice(0, 1000);
    for (const conversation of known) {
      const position = this.#positions.get(conversation.id);
      if (position) positions[conversation.id] = { seq: position.seq, rev: position.rev };
    }
    this.#socket.send({ type: 'resume', positions });
  }

  #onResumed(): void {
    this.#live = true;
    this.#set({ connection: 'live' });
    // Everything not acknowledged yet goes again, with the same clientId.
    for (const item of this.#state.outbox) {
      if (item.status === 'sending' || item.reason === 'timeout') {
        this.#updateOutbox(item.clientId, (entry) => ({
          ...entry,
          status: 'sending',
          error: undefined,
          reason: undefined,
          sentAt: undefined,
        }));
        this.#transmit(item.clientId);
      }
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
          this.#onRateLimited(frame.clientId, retryAfterMs(frame.error.details));
        } else if (frame.clientId) {
          const error = frame.error;
          this.#updateOutbox(frame.clientId, (item) => ({
            ...item,
            status: 'failed',
            reason: 'rejected',
            error: describeError(new ApiError(error.code, error.message, 0)),
          }));
        }
        return;
      case 'typing': {
        const current = this.#state.typing[frame.conversationId] ?? {};
        this.#set({
          typing: {
            ...this.#state.typing,
            [frame.conversationId]: { ...current, [frame.userId]: Date.now() + TYPING_SHOW_MS },
          },
        });
        return;
      }
      case 'read':
        this.#onRead(frame.conversationId, frame.userId, frame.seq);
        return;
      case 'conversation':
        this.adopt(frame.conversation);
        return;
      case 'conversation_removed':
        this.forget(frame.conversationId);
        return;
      default:
        return;
    }
  }

  #onRead(conversationId: string, userId: string, seq: number): void {
    if (userId === this.userId) {
      // Read in another tab or device.
      const conversation = this.#state.conversations[conversationId];
      if (conversation && seq > conversation.lastReadSeq) {
        this.#setConversation({
          ...conversation,
          lastReadSeq: seq,
          unreadCount: seq >= conversation.lastSeq ? 0 : conversation.unreadCount,
        });
      }
      return;
    }
    const current = this.#state.readers[conversationId] ?? {};
    if ((current[userId] ?? 0) >= seq) return;
    this.#set({ readers: { ...this.#state.readers, [conversationId]: { ...current, [userId]: seq } } });
  }

  /** A message from the socket (new, updated, or our own acknowledged) into thread, list and positions. */
  #applyMessage(message: Message, kind: 'new' | 'update' | 'ack'): void {
    const id = message.conversationId;
    if (kind !== 'ack' && kind !== 'update') {
      const position = this.#positions.get(id);
      if (position) {
        position.seq = Math.max(position.seq, message.seq);
        position.rev = Math.max(position.rev, message.rev);
      }
    } else if (kind === 'update') {
      const position = this.#positions.get(id);
      if (position) position.rev = Math.max(position.rev, message.rev);
    }
    this.#settle(message);
    const thread = this.#state.threads[id] ?? EMPTY_THREAD;
    // Updates to messages not held (older history) change nothing shown, except the list preview.
    if (kind !== 'update' || thread.messages.some((m) => m.id === message.id)) {
      this.#setThread(id, (current) => ({
        ...current,
        messages: mergeMessages(current.messages, [message]),
      }));
    }
    const conversation = this.#state.conversations[id];
    if (!conversation) {
      if (kind === 'new') this.#discover(id);
      return;
    }
    const isNew = message.seq > conversation.lastSeq;
    const fromOther = message.senderId !== this.userId;
    const lastMessage =
      isNew || (conversation.lastMessage?.id === message.id && message.rev > conversation.lastMessage.rev)
        ? message
        : conversation.lastMessage;
    this.#setConversation({
      ...conversation,
      lastMessage,
      lastSeq: Math.max(conversation.lastSeq, message.seq),
      lastRev: Math.max(conversation.lastRev, message.rev),
      unreadCount:
        isNew && fromOther && message.seq > conversation.lastReadSeq
          ? conversation.unreadCount + 1
          : conversation.unreadCount,
      updatedAt:
        isNew && message.createdAt > conversation.updatedAt ? message.createdAt : conversation.updatedAt,
    });
    if (isNew && fromOther) {
      // Whoever sent a message has stopped typing.
      const typing = this.#state.typing[id];
      if (typing?.[message.senderId]) {
        const rest = { ...typing };
        delete rest[message.senderId];
        this.#set({ typing: { ...this.#state.typing, [id]: rest } });
      }
      if (this.#live && kind === 'new' && this.activeConversation === id) {
        const sender = conversation.members.find((m) => m.id === message.senderId)?.displayName ?? 'Someone';
        const text = message.body.length > 140 ? `${message.body.slice(0, 140)}…` : message.body;
        this.#set({ announcement: `${sender}: ${text || 'sent an attachment'}` });
      }
    }
  }

  /** The conversation on screen, for announcements. */
  activeConversation: string | undefined;

  #tick(): void {
    const now = Date.now();
    // Expire typing indicators.
    let typingChanged = false;
    const typing: Record<string, Record<string, number>> = {};
    for (const [conversationId, users] of Object.entries(this.#state.typing)) {
      const kept: Record<string, number> = {};
      for (const [userId, until] of Object.entries(users)) {
        if (until > now) kept[userId] = until;
        else typingChanged = true;
      }
      typing[conversationId] = kept;
    }
    if (typingChanged) this.#set({ typing });
    // The send limit's window has passed: everything held goes out again, in outbox order.
    if (this.#holdUntil !== 0 && now >= this.#holdUntil && this.#live) {
      this.#holdUntil = 0;
      for (const item of this.#state.outbox) {
        if (item.status === 'sending' && item.retryAt !== undefined) this.#transmit(item.clientId);
      }
    }
    // Sends that were not acknowledged in time become visible failures (held ones are not waiting on the server).
    for (const item of this.#state.outbox) {
      if (item.status !== 'sending' || item.retryAt !== undefined) continue;
      const since = item.sentAt ?? Date.parse(item.createdAt);
      if (now - since > ACK_TIMEOUT_MS) {
        this.#updateOutbox(item.clientId, (entry) => ({
          ...entry,
          status: 'failed',
          reason: 'timeout',
          error: this.#live ? 'Not delivered yet.' : 'Not sent: you are offline.',
        }));
      }
    }
  }
}

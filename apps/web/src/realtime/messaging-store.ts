import type { ActivityState, Attachment, Conversation, Message, ReplyTo } from '@parley/contract';
import type { QueryClient } from '@tanstack/react-query';
import { api, describeError, isApiError } from '../api/client.js';
import { conversationQuery, meQuery } from '../api/queries.js';
import { renameInCache } from './cache-sync.js';
import {
  type ConversationsEvent,
  mayHaveDroppedAMention,
  reduceConversations,
  sortedConversations,
} from './conversation-list.js';
import { advance, type ResumePoint, resumePositions, type ThreadEvent } from './history.js';
import { ListLoader } from './list-loader.js';
import { react as reactTo, removeMessage } from './message-actions.js';
import { INITIAL_STATE, type MessagingState, messageArrived, withThread } from './messaging-state.js';
import { ActivityWatcher, type OnlineStatusEvent, reduceOnlineStatuses } from './online-status.js';
import { OutboxSender } from './outbox-sender.js';
import { type PresenceEvent, reducePresence } from './presence.js';
import { ReadMarkers } from './read-markers.js';
import { dispatchFrame, type FrameTarget, type MessageFrameKind } from './server-frames.js';
import { RealtimeSocket } from './socket.js';
import { ThreadLoader } from './thread-loader.js';

/** Typing frames go out at most this often per conversation. */
const TYPING_SEND_MS = 3_000;
/** At most this many conversations are named in a `resume` (the newest); older ones reload on opening. */
const RESUME_MAX = 1000;

/** A new message from someone else, live, with its conversation as the tab knows it. */
export type NewMessageListener = (message: Message, conversation: Conversation) => void;

export interface StoreCallbacks {
  /** The server revoked this session (`session_revoked` / close 4001). */
  onSessionEnded(): void;
}

/**
 * The coordinator behind the messaging screens: owns the tab's WebSocket and timers, calls the API, and
 * applies the pure reducers (messaging-state.ts and the modules it names) to one immutable state:
 * - a resume point `{ seq, rev }` per conversation, sent on every (re)connect so messages, edits and
 *   deletes made while the tab was away are replayed, merged once and in order, holes filled from the API;
 * - an outbox of optimistic sends keyed by `clientId` (outbox-sender.ts), re-sent with the same id after a
 *   reconnect, held and released in order over the send limit, failed after a timeout with a Retry.
 * Components read it through `subscribe`/`getState` (useSyncExternalStore) and change it by its methods.
 */
export class MessagingStore {
  #state: MessagingState = INITIAL_STATE;
  readonly #listeners = new Set<() => void>();
  readonly #newMessageListeners = new Set<NewMessageListener>();
  readonly #points = new Map<string, ResumePoint>();
  readonly #lastTypingSent = new Map<string, number>();
  readonly #socket: RealtimeSocket;
  #live = false;
  #running = false;
  #timer: number | undefined;
  /** The conversation on screen, for announcements. */
  #active: string | undefined;
  readonly #history = new ThreadLoader(
    () => this.#state,
    (id, event) => this.#thread(id, event),
  );
  readonly #readMarkers = new ReadMarkers(
    () => this.#state,
    () => this.#running,
  );
  readonly #lists: ListLoader;
  readonly #sender = new OutboxSender({
    outbox: () => this.#state.outbox,
    setOutbox: (outbox) => this.#replace({ ...this.#state, outbox }),
    live: () => this.#live,
    send: (frame) => this.#socket.send(frame),
  });

  /** What the server's frames do here (server-frames.ts). */
  readonly #frames: FrameTarget = {
    resumed: () => this.#onResumed(),
    message: (message, kind) => this.#applyMessage(message, kind),
    refused: (frame) => this.#sender.refused(frame),
    list: (event) => this.#list(event),
    presence: (event) => this.#presence(event),
    statuses: (event) => this.#statuses(event),
    conversation: (conversation) => {
      this.adopt(conversation);
      // Messages sent before the server started following it are fetched, if the thread is open.
      if (this.#state.threads[conversation.id]?.history === 'loaded')
        void this.#history.fillGaps(conversation.id).catch(() => undefined);
    },
    conversationRemoved: (conversationId) => this.forget(conversationId),
    // Someone's new display name (a member, a former member, or the user in another tab): into the live
    // list and into the server cache (the user's own `me`, fetched conversations), so nothing shows the
    // old name until it is fetched again.
    userRenamed: (user) => {
      this.#list({ type: 'user_renamed', user });
      renameInCache(this.queries, this.userId, user);
    },
  };

  /** This tab's activity (idle when hidden or untouched), sent for the user's presence. */
  readonly #activity = new ActivityWatcher((state) => this.#sendActivity(state));

  constructor(
    readonly userId: string,
    private readonly callbacks: StoreCallbacks,
    /** The app's server cache: list pages, single conversations and the session refresh go through it. */
    private readonly queries: QueryClient,
  ) {
    this.#lists = new ListLoader(queries, {
      state: () => this.#state,
      remember: (conversations) => this.#remember(conversations),
      list: (event) => this.#list(event),
      adopt: (conversation) => this.adopt(conversation),
    });
    this.#socket = new RealtimeSocket({
      onReady: (frame) => {
        this.#statuses({ type: 'snapshot', statuses: frame.presence ?? {} });
        // The server counts a new socket as active: an idle tab says so again.
        if (this.#activity.state !== 'active') this.#sendActivity(this.#activity.state);
        void this.#onReady();
      },
      onFrame: (frame) => dispatchFrame(frame, this.userId, this.#frames),
      onStatus: (status) => {
        // Statuses stay as they were while reconnecting; the next `ready` replaces them.
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

  #presence(event: PresenceEvent): void {
    const next = reducePresence(this.#state, event);
    if (next !== this.#state) this.#replace({ ...this.#state, ...next });
  }

  #statuses(event: OnlineStatusEvent): void {
    const next = reduceOnlineStatuses(this.#state, event);
    if (next !== this.#state) this.#replace({ ...this.#state, ...next });
  }

  #sendActivity(state: ActivityState): void {
    this.#socket.send({ type: 'activity', state });
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
    this.#activity.start();
    void this.refreshList();
    this.#timer = window.setInterval(() => this.#tick(), 1_000);
  }

  stop(): void {
    if (!this.#running) return;
    this.#running = false;
    this.#live = false;
    this.#socket.stop();
    this.#activity.stop();
    window.clearInterval(this.#timer);
  }

  // --- conversations ----------------------------------------------------------------------------

  /** (Re)loads the first page of the list and merges it with what is already known (see ListLoader). */
  refreshList(): Promise<void> {
    return this.#lists.refresh();
  }

  /** The next page of older conversations (infinite scroll down the list). */
  loadMore(): Promise<void> {
    return this.#lists.loadMore();
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
    this.#sender.apply({ type: 'conversation_gone', conversationId });
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
    if (!thread || thread.history === 'unloaded' || thread.history === 'error')
      await this.#history.loadLatest(id);
  }

  /** One page further back in history (infinite scroll up). */
  loadOlder(id: string): Promise<void> {
    return this.#history.loadOlder(id);
  }

  /** Makes sure the message at `seq` is held (see ThreadLoader.jumpTo); resolves to whether it is now. */
  jumpTo(id: string, seq: number): Promise<boolean> {
    return this.#history.jumpTo(id, seq);
  }

  /** Loads the messages after a hole's seq (a page; the rest stays a hole). */
  loadGap(id: string, after: number): Promise<void> {
    return this.#history.loadGap(id, after);
  }

  // --- sending ----------------------------------------------------------------------------------

  /**
   * Optimistic send: shown at once as pending, sent over the socket now or as soon as it is live. A reply
   * names the message it answers (`replyTo`, as the user saw it); `mentionIds` the members it mentions.
   */
  send(
    conversationId: string,
    body: string,
    attachments: readonly Attachment[] = [],
    replyTo?: ReplyTo,
    mentionIds: readonly string[] = [],
  ): void {
    this.#sender.send(conversationId, body, attachments, replyTo, mentionIds);
  }

  /**
   * Calls `listener` for each new message from someone else that arrives live (not replayed by a resume)
   * in a conversation this tab knows: what desktop notifications look at. Returns the unsubscribe.
   */
  onNewMessage(listener: NewMessageListener): () => void {
    this.#newMessageListeners.add(listener);
    return () => this.#newMessageListeners.delete(listener);
  }

  /** The user's Retry on a failed message: same clientId, so it is never stored twice. */
  retry(clientId: string): void {
    this.#sender.retry(clientId);
  }

  /** Drops a failed message the user no longer wants to send. */
  discard(clientId: string): void {
    this.#sender.apply({ type: 'discarded', clientId });
  }

  async edit(message: Message, body: string): Promise<void> {
    const updated = await api.editMessage(message.id, body);
    this.#applyMessage(updated, 'update');
  }

  /** Deletes a message, shown deleted at once. */
  remove(message: Message): Promise<void> {
    return removeMessage(message, (id, event) => this.#thread(id, event));
  }

  /** Adds (`on`) or removes the user's reaction: shown at once, undone (and thrown) if the API refuses. */
  react(message: Message, emoji: string, on: boolean): Promise<void> {
    return reactTo(message, emoji, on, this.userId, (id, event) => this.#thread(id, event));
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
    if (this.#state.conversations !== before) this.#readMarkers.post(conversationId);
  }

  // --- socket -----------------------------------------------------------------------------------

  /** After every (re)connect: refresh the list, then resume each conversation from its resume point. */
  async #onReady(): Promise<void> {
    this.#live = false;
    await this.refreshList();
    if (!this.#socket.ready) return;
    const newest = sortedConversations(this.#state.conversations).slice(0, RESUME_MAX);
    this.#socket.send({ type: 'resume', positions: resumePositions(newest, this.#points) });
  }

  #onResumed(): void {
    this.#live = true;
    this.#replace({ ...this.#state, connection: 'live' });
    this.#sender.resendAll();
    for (const [id, thread] of Object.entries(this.#state.threads)) {
      if (thread.history === 'loaded') void this.#history.fillGaps(id).catch(() => undefined);
      if (thread.history === 'error' && this.#state.conversations[id]) void this.#history.loadLatest(id);
    }
  }

  /** A message from the socket (new, updated, or our own acknowledged) into state and resume points. */
  #applyMessage(message: Message, kind: MessageFrameKind): void {
    const id = message.conversationId;
    const point = this.#points.get(id);
    if (point) this.#points.set(id, advance(point, message, kind));
    const known = this.#state.conversations[id];
    const fresh =
      kind === 'new' &&
      this.#live &&
      message.senderId !== this.userId &&
      known &&
      message.seq > known.lastSeq;
    this.#replace(
      messageArrived(this.#state, message, kind, {
        userId: this.userId,
        live: this.#live,
        activeConversation: this.#active,
      }),
    );
    if (!this.#state.conversations[id] && kind === 'new') this.#lists.discover(id);
    if (kind === 'update' && known && mayHaveDroppedAMention(known, message, this.userId))
      this.#lists.refetch(id);
    const conversation = this.#state.conversations[id];
    if (fresh && conversation)
      for (const listener of this.#newMessageListeners) listener(message, conversation);
  }

  #tick(): void {
    const now = Date.now();
    this.#presence({ type: 'tick', now });
    this.#sender.tick(now);
  }
}

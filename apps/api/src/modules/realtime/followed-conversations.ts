import type { PresenceStatus, PublicUser, ResumePosition, ServerFrame } from '@parley/contract';
import type { Kysely } from 'kysely';
import { chunked, IN_CHUNK, yieldToEventLoop } from '../../db/chunks.js';
import type { DB } from '../../db/schema.js';
import { type BusEvent, channels, type EventBus, type Subscription } from '../../platform/bus/event-bus.js';
import { conversationCounters, userConversationIds } from '../conversations/conversation.repository.js';
import { ConversationCursor, resumeCursors } from './conversation-cursor.js';

/**
 * Conversations followed per step on connect, and resumed per step on resume: each step runs a few
 * queries, then the event loop gets a turn, so a user in thousands of conversations cannot stall others.
 */
const FOLLOW_STEP = IN_CHUNK;
const RESUME_STEP = 100;
/** Profile changes remembered per connection, to pass each on once (the oldest are forgotten first). */
const PROFILE_CHANGES_KEPT = 1000;

export interface FollowDeps {
  readonly bus: EventBus;
  readonly db: Kysely<DB>;
  /** The signed-in user whose conversations these are. */
  readonly userId: string;
  readonly send: (frame: ServerFrame) => void;
  readonly onError: (error: unknown) => void;
  /** A member's presence changed (heard on one of the followed conversations). */
  readonly onPresence?: (userId: string, status: PresenceStatus, version: number) => void;
}

/**
 * The conversations one authenticated socket follows: a bus subscription and a cursor (what the client
 * has been sent) per conversation, plus the user's own channel. Following thousands of conversations is
 * bounded work per step (see `followAll`); `close` ends every subscription.
 */
export class FollowedConversations {
  readonly #cursors = new Map<string, ConversationCursor>();
  readonly #subscriptions = new Map<string, Subscription>();
  /** The newest profile change passed on per user (time and name), in the order they were last changed. */
  readonly #profileChanges = new Map<string, { at: string; displayName: string }>();
  #closed = false;

  constructor(private readonly deps: FollowDeps) {}

  /** The user's channel (added to / removed from conversations), confirmed by the bus when it resolves. */
  async subscribeUser(handler: (event: BusEvent) => void): Promise<void> {
    await this.#subscribe(channels.user(this.deps.userId), handler).ready;
  }

  /**
   * Follows every conversation of the user, a step of ids at a time in id order: two queries per step
   * (ids, then counters) and a turn of the event loop between steps, never one list of every id. `step`
   * is given each step's ids once they are followed (the presence snapshot reads their members).
   */
  async followAll(step?: (conversationIds: readonly string[]) => Promise<void>): Promise<void> {
    let afterId = '';
    for (;;) {
      const ids = await userConversationIds(this.deps.db, this.deps.userId, { afterId, limit: FOLLOW_STEP });
      await this.follow(ids);
      if (step && !this.#closed) await step(ids);
      const last = ids.at(-1);
      if (last === undefined || ids.length < FOLLOW_STEP || this.#closed) return;
      afterId = last;
      await yieldToEventLoop();
    }
  }

  /** Subscribes first, then reads the current positions, so nothing published in between is missed. */
  async follow(conversationIds: readonly string[]): Promise<void> {
    if (this.#closed) return;
    const fresh = conversationIds.filter((id) => !this.#subscriptions.has(channels.conversation(id)));
    if (fresh.length === 0) return;
    const subscriptions = fresh.map((id) =>
      this.#subscribe(channels.conversation(id), (event) => this.#onConversationEvent(event)),
    );
    await Promise.all(subscriptions.map((subscription) => subscription.ready));
    if (this.#closed) return;
    const counters = await conversationCounters(this.deps.db, fresh);
    if (this.#closed) return;
    for (const row of counters) {
      this.#cursors.set(
        row.id,
        new ConversationCursor(
          row.id,
          { seq: Number(row.last_seq), rev: Number(row.last_rev) },
          this.deps.db,
          this.deps.send,
          this.deps.onError,
        ),
      );
    }
    // Deleted in between: nothing to follow.
    for (const id of fresh) if (!this.#cursors.has(id)) this.unfollow(id);
  }

  unfollow(conversationId: string): void {
    this.#cursors.delete(conversationId);
    const channel = channels.conversation(conversationId);
    this.#subscriptions.get(channel)?.unsubscribe();
    this.#subscriptions.delete(channel);
  }

  /** Replays what the client missed, a step of conversations at a time (see resumeCursors). */
  async resume(positions: Readonly<Record<string, ResumePosition>>): Promise<void> {
    const items = Object.entries(positions).flatMap(([conversationId, position]) => {
      const cursor = this.#cursors.get(conversationId);
      return cursor
        ? [{ cursor, position: typeof position === 'number' ? { seq: position } : position }]
        : [];
    });
    for (const [index, step] of chunked(items, RESUME_STEP).entries()) {
      if (index > 0) await yieldToEventLoop();
      if (this.#closed) return;
      await resumeCursors(this.deps.db, step);
    }
  }

  /**
   * A user's public profile changed (heard on the user's channel or on any conversation they share): the
   * client gets one `user_updated` per change, however many conversations announced it, and never an
   * older change after a newer one.
   */
  userChanged(user: PublicUser, at: string): void {
    if (this.#closed) return;
    const seen = this.#profileChanges.get(user.id);
    // Two changes within one millisecond cannot be ordered: a different name still goes out.
    if (seen && (seen.at > at || (seen.at === at && seen.displayName === user.displayName))) return;
    this.#profileChanges.delete(user.id);
    this.#profileChanges.set(user.id, { at, displayName: user.displayName });
    if (this.#profileChanges.size > PROFILE_CHANGES_KEPT) {
      const oldest = this.#profileChanges.keys().next().value;
      if (oldest !== undefined) this.#profileChanges.delete(oldest);
    }
    this.deps.send({ type: 'user_updated', user });
  }

  /** Ends every subscription; nothing is followed after this. */
  close(): void {
    this.#closed = true;
    for (const subscription of this.#subscriptions.values()) subscription.unsubscribe();
    this.#subscriptions.clear();
    this.#cursors.clear();
  }

  #subscribe(channel: string, handler: (event: BusEvent) => void): Subscription {
    const subscription = this.deps.bus.subscribe(channel, handler);
    this.#subscriptions.set(channel, subscription);
    return subscription;
  }

  #onConversationEvent(event: BusEvent): void {
    if (!('conversationId' in event)) return;
    const cursor = this.#cursors.get(event.conversationId);
    if (!cursor) return;
    switch (event.kind) {
      case 'message':
      case 'message_updated':
        cursor.onMessageEvent(event.message);
        return;
      case 'typing':
        if (event.userId !== this.deps.userId)
          this.deps.send({ type: 'typing', conversationId: event.conversationId, userId: event.userId });
        return;
      case 'read':
        this.deps.send({
          type: 'read',
          conversationId: event.conversationId,
          userId: event.userId,
          seq: event.seq,
        });
        return;
      case 'user_changed':
        this.userChanged(event.user, event.at);
        return;
      case 'presence':
        this.deps.onPresence?.(event.userId, event.status, event.version);
        return;
      default:
        return;
    }
  }
}

import type { Message, PresenceStatus, PublicUser } from '@parley/contract';

/** Events of one conversation, delivered to every instance with a member connected. */
export type ConversationEvent =
  | { kind: 'message'; conversationId: string; message: Message }
  | { kind: 'message_updated'; conversationId: string; message: Message }
  | { kind: 'typing'; conversationId: string; userId: string }
  | { kind: 'read'; conversationId: string; userId: string; seq: number }
  /** A member, or former member, changed their public profile; `at` (ISO) orders changes of one user. */
  | { kind: 'user_changed'; conversationId: string; user: PublicUser; at: string }
  /**
   * A member's presence as others see it, announced on each of their conversations; `version` orders the
   * changes of one user (a socket hearing one change from several conversations passes it on once).
   */
  | { kind: 'presence'; conversationId: string; userId: string; status: PresenceStatus; version: number };

/** Events for one user wherever they are connected. */
export type UserEvent =
  | { kind: 'conversation_changed'; userId: string; conversationId: string }
  | { kind: 'conversation_removed'; userId: string; conversationId: string }
  /** The user changed their own public profile (for their other tabs); `at` as in ConversationEvent. */
  | { kind: 'user_changed'; userId: string; user: PublicUser; at: string };

/**
 * Ended sessions and retired signing keys, for every instance to close the matching sockets (and drop
 * anything it caches about those sessions or users). Published by `endSessions` and on key retirement.
 */
export type SessionsEvent =
  | { kind: 'sessions_revoked'; sessionIds: string[]; userId?: string; reason?: string }
  | { kind: 'signing_keys_retired'; kids: string[] };

/**
 * Changes to a user that other users' sockets may have to react to, on every instance (channel `users`).
 * `user_updated` is published when PATCH /api/me/notification-settings changes `presenceVisible`: presence
 * shows a user who hid it as offline, and one who shows it again as they are. Carries the new value, so a
 * subscriber needs no database read.
 */
export type UsersEvent = { kind: 'user_updated'; userId: string; presenceVisible: boolean };

export type BusEvent = ConversationEvent | UserEvent | SessionsEvent | UsersEvent;

export const channels = {
  conversation: (id: string) => `conv:${id}`,
  user: (id: string) => `user:${id}`,
  sessions: 'sessions',
  /** UsersEvent: every instance that shows presence subscribes. */
  users: 'users',
} as const;

/**
 * Fan-out between instances: in-process by default, Redis pub/sub when REDIS_URL is set. Delivery is
 * at-most-once and unordered across publishers; the realtime gateway restores order and fills gaps from
 * the database, so no message depends on the bus being perfect.
 */
export interface EventBus {
  publish(channel: string, event: BusEvent): void;
  subscribe(channel: string, handler: (event: BusEvent) => void): Subscription;
  /**
   * False while events may not be delivered (Redis unreachable, subscriber cut off); always true
   * in-process. While false, the WebSocket heartbeat is what closes sockets of ended sessions.
   */
  readonly healthy: boolean;
  /** Told `false` when delivery stops and `true` when it is proven again; returns an unsubscribe. */
  onHealthChange(listener: (healthy: boolean) => void): () => void;
  close(): Promise<void>;
}

export interface Subscription {
  /** Resolves once events published from now on will arrive (Redis confirmed the SUBSCRIBE). */
  readonly ready: Promise<void>;
  unsubscribe(): void;
}

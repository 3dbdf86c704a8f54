import { z } from 'zod';
import { Id, PublicUser } from './auth.js';
import { ErrorBody } from './errors.js';
import { ClientId, Conversation, MentionIds, Message, MessageBody, Seq } from './messaging.js';

/** A resume position: the last message seq seen, or that and the last change counter seen. */
export const ResumePosition = z.union([Seq, z.strictObject({ seq: Seq, rev: Seq })]);
export type ResumePosition = z.infer<typeof ResumePosition>;

/** A user's presence as others see it (hidden users always `offline`). */
export const PresenceStatus = z.enum(['online', 'away', 'offline']);
export type PresenceStatus = z.infer<typeof PresenceStatus>;

/** What one socket reports of its tab (the `activity` frame). */
export const ActivityState = z.enum(['active', 'idle']);
export type ActivityState = z.infer<typeof ActivityState>;

/** Frames a client sends on /api/ws: one discriminated union, parsed on both ends. */
export const ClientFrame = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('auth'), token: z.string().min(1).max(4096) }),
  z.strictObject({
    type: z.literal('resume'),
    positions: z.record(Id, ResumePosition).refine((p) => Object.keys(p).length <= 1000, {
      message: 'at most 1000 conversations',
    }),
  }),
  z.strictObject({
    type: z.literal('send'),
    conversationId: Id,
    clientId: ClientId,
    body: MessageBody,
    attachmentIds: z.array(Id).max(10).optional(),
    replyToId: Id.optional(),
    mentionIds: MentionIds.optional(),
  }),
  z.strictObject({ type: z.literal('typing'), conversationId: Id }),
  z.strictObject({ type: z.literal('ping') }),
  /**
   * This tab's activity, for presence: `idle` after a few minutes without input or while hidden, `active`
   * again on input or when shown. A user is `online` while any of their sockets is active, `away` while
   * every one is idle. Counted against the socket's frame budget like any frame.
   */
  z.strictObject({ type: z.literal('activity'), state: ActivityState }),
]);
export type ClientFrame = z.infer<typeof ClientFrame>;

/** Frames the server sends on /api/ws. */
export const ServerFrame = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('ready'),
    userId: z.string(),
    /**
     * When the token this connection authenticated with expires (ISO 8601). The server then closes the
     * socket with `session_expired`/4002; a client keeps its session token fresh before that (any
     * request re-issues an old enough one) and reconnects with `resume` after 4002.
     */
    expiresAt: z.string().optional(),
    /**
     * Who, among the people you share a conversation with, is `online` or `away` now (user id → status);
     * everyone else is offline. Later changes come as `presence` frames.
     */
    presence: z.record(z.string(), PresenceStatus.exclude(['offline'])).optional(),
  }),
  z.object({ type: z.literal('resumed') }),
  z.object({ type: z.literal('ack'), clientId: z.string(), message: Message }),
  z.object({ type: z.literal('error'), clientId: z.string().optional(), error: ErrorBody.shape.error }),
  z.object({ type: z.literal('message'), message: Message }),
  z.object({ type: z.literal('message_updated'), message: Message }),
  z.object({ type: z.literal('typing'), conversationId: z.string(), userId: z.string() }),
  z.object({
    type: z.literal('read'),
    conversationId: z.string(),
    userId: z.string(),
    seq: z.number().int(),
  }),
  z.object({ type: z.literal('conversation'), conversation: Conversation }),
  z.object({ type: z.literal('conversation_removed'), conversationId: z.string() }),
  /**
   * Someone you share a conversation with (or you, from another tab) changed their public profile:
   * update the name wherever it shows. Sent once per connection and change, not replayed by `resume`
   * (a reconnecting client refetches its conversations).
   */
  z.object({ type: z.literal('user_updated'), user: PublicUser }),
  /** Someone you share a conversation with went online, away or offline (or hid their presence). */
  z.object({ type: z.literal('presence'), userId: z.string(), status: PresenceStatus }),
  z.object({ type: z.literal('session_revoked') }),
  z.object({ type: z.literal('session_expired') }),
  z.object({ type: z.literal('pong') }),
]);
export type ServerFrame = z.infer<typeof ServerFrame>;

/**
 * Close code sent after `session_revoked`: the session ended (logout, logout everywhere, ended from the
 * sessions page, password change or reset, account deletion, operator revocation, signing key retired).
 * Do not reconnect; sign in again.
 */
export const WS_CLOSE_SESSION_REVOKED = 4001;
/**
 * Close code when a connection is refused for a limit (too many open sockets for the user or address,
 * too many connects): sent after a `rate_limited` error frame whose `details.retryAfter` says when to retry.
 */
export const WS_CLOSE_RATE_LIMITED = 4029;

/**
 * Close code sent after `session_expired`: the token this connection authenticated with expired while
 * the session may still be live. Refresh the session (e.g. `GET /api/me` re-issues the cookie), then
 * reconnect and `resume`; sign in again if the refresh answers 401.
 */
export const WS_CLOSE_SESSION_EXPIRED = 4002;
/** Close code when no valid auth arrived in time. */
export const WS_CLOSE_UNAUTHENTICATED = 4401;
/**
 * The server pings this often by default (`WS_HEARTBEAT_MS`) and re-checks each socket's session, token
 * expiry and signing key each time; load balancers must allow at least twice this idle time.
 */
export const WS_HEARTBEAT_MS = 25_000;

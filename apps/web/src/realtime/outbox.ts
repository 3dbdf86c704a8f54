import {
  type Attachment,
  type ClientFrame,
  type Message,
  RateLimitedDetails,
  type ReplyTo,
} from '@parley/contract';

/** A message the user sent that the server has not acknowledged yet. */
export interface OutboxItem {
  readonly clientId: string;
  readonly conversationId: string;
  readonly body: string;
  readonly attachments: readonly Attachment[];
  /** The message it answers, quoted as the user saw it when replying. */
  readonly replyTo?: ReplyTo | undefined;
  /** Members the message mentions (picked from the composer's suggestions). */
  readonly mentionIds?: readonly string[] | undefined;
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

export type Outbox = readonly OutboxItem[];

/** An unacknowledged send is shown as failed (with Retry) after this long. */
export const ACK_TIMEOUT_MS = 15_000;

/** Seconds to wait from a `rate_limited` error's details; a short pause if the server named none. */
export function retryAfterMs(details: unknown): number {
  const parsed = RateLimitedDetails.safeParse(details);
  return (parsed.success ? parsed.data.retryAfter : 5) * 1000;
}

export type OutboxEvent =
  /** The user sent a message: it joins the end of the queue. */
  | { type: 'queued'; item: OutboxItem }
  /** Handed to the socket at `at` (ms). */
  | { type: 'sent'; clientId: string; at: number }
  /** Held for the send limit (refused with `rate_limited`, or queued behind one that was) until `until`. */
  | { type: 'waiting'; clientId: string; until: number }
  /** The server refused it for good (validation, membership…): only the user's Retry sends it again. */
  | { type: 'rejected'; clientId: string; error: string }
  /** Going out again with the same clientId (the user's Retry, or after a reconnect). */
  | { type: 'resending'; clientId: string }
  /** The server stored a message (ack, or the live event): the user's own one with that clientId settles. */
  | { type: 'stored'; message: Message; userId: string }
  /** The user dropped a failed message. */
  | { type: 'discarded'; clientId: string }
  /** The user left the conversation or was removed: its pending messages go with it. */
  | { type: 'conversation_gone'; conversationId: string };

function update(outbox: Outbox, clientId: string, change: (item: OutboxItem) => OutboxItem): Outbox {
  let changed = false;
  const next = outbox.map((item) => {
    if (item.clientId !== clientId) return item;
    const updated = change(item);
    if (updated !== item) changed = true;
    return updated;
  });
  return changed ? next : outbox;
}

function without(outbox: Outbox, keep: (item: OutboxItem) => boolean): Outbox {
  const next = outbox.filter(keep);
  return next.length === outbox.length ? outbox : next;
}

/** The outbox after one event; the same array when nothing changed. Order is always send order. */
export function reduceOutbox(outbox: Outbox, event: OutboxEvent): Outbox {
  switch (event.type) {
    case 'queued':
      return [...outbox, event.item];
    case 'sent':
      return update(outbox, event.clientId, (item) => ({ ...item, sentAt: event.at, retryAt: undefined }));
    case 'waiting':
      return update(outbox, event.clientId, (item) =>
        item.status === 'sending' && item.retryAt === event.until && item.sentAt === undefined
          ? item
          : {
              ...item,
              status: 'sending',
              error: undefined,
              reason: undefined,
              sentAt: undefined,
              retryAt: event.until,
            },
      );
    case 'rejected':
      return update(outbox, event.clientId, (item) => ({
        ...item,
        status: 'failed',
        reason: 'rejected',
        error: event.error,
      }));
    case 'resending':
      return update(outbox, event.clientId, (item) => ({
        ...item,
        status: 'sending',
        error: undefined,
        reason: undefined,
        sentAt: undefined,
      }));
    case 'stored':
      if (event.message.senderId !== event.userId) return outbox;
      return without(outbox, (item) => item.clientId !== event.message.clientId);
    case 'discarded':
      return without(outbox, (item) => item.clientId !== event.clientId);
    case 'conversation_gone':
      return without(outbox, (item) => item.conversationId !== event.conversationId);
  }
}

/** What goes out again after a reconnect, in order: everything still sending, and sends that timed out. */
export function toResend(outbox: Outbox): string[] {
  return outbox
    .filter((item) => item.status === 'sending' || item.reason === 'timeout')
    .map((item) => item.clientId);
}

export interface OutboxTick {
  readonly outbox: Outbox;
  /** Until when sends are held for the send limit; 0 when not holding. */
  readonly holdUntil: number;
  /** Held messages whose wait is over, in outbox order: hand them to the socket now. */
  readonly release: readonly string[];
}

/**
 * The outbox a second later: once the send limit's window has passed (and the socket is live), every held
 * message is released, in order; a send the server has not acknowledged within ACK_TIMEOUT_MS becomes a
 * visible failure (held ones are not waiting on the server, so they never time out).
 */
export function tickOutbox(
  outbox: Outbox,
  { now, live, holdUntil }: { now: number; live: boolean; holdUntil: number },
): OutboxTick {
  let release: string[] = [];
  let hold = holdUntil;
  if (hold !== 0 && now >= hold && live) {
    hold = 0;
    release = outbox
      .filter((item) => item.status === 'sending' && item.retryAt !== undefined)
      .map((item) => item.clientId);
  }
  let next = outbox;
  for (const item of outbox) {
    if (item.status !== 'sending' || item.retryAt !== undefined) continue;
    if (now - (item.sentAt ?? Date.parse(item.createdAt)) <= ACK_TIMEOUT_MS) continue;
    next = update(next, item.clientId, (entry) => ({
      ...entry,
      status: 'failed',
      reason: 'timeout',
      error: live ? 'Not delivered yet.' : 'Not sent: you are offline.',
    }));
  }
  return { outbox: next, holdUntil: hold, release };
}

/** The `send` frame for an item (attachments by id). */
export function sendFrame(item: OutboxItem): ClientFrame {
  return {
    type: 'send',
    conversationId: item.conversationId,
    clientId: item.clientId,
    body: item.body,
    ...(item.attachments.length > 0 ? { attachmentIds: item.attachments.map((a) => a.id) } : {}),
    ...(item.replyTo ? { replyToId: item.replyTo.id } : {}),
    ...(item.mentionIds && item.mentionIds.length > 0 ? { mentionIds: [...item.mentionIds] } : {}),
  };
}

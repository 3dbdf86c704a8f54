import type { Attachment, ReplyTo, ServerFrame } from '@parley/contract';
import { ApiError, describeError } from '../api/client.js';
import {
  type OutboxEvent,
  type OutboxItem,
  reduceOutbox,
  retryAfterMs,
  sendFrame,
  tickOutbox,
  toResend,
} from './outbox.js';
import { uuid } from './uuid.js';

export interface OutboxHost {
  outbox(): readonly OutboxItem[];
  setOutbox(outbox: readonly OutboxItem[]): void;
  live(): boolean;
  send(frame: ReturnType<typeof sendFrame>): boolean;
}

/**
 * The messaging store's optimistic sends: queued keyed by `clientId`, sent over the socket when it is
 * live, re-sent with the same id after a reconnect, held and released in order over the send limit.
 */
export class OutboxSender {
  /** Until when (ms) sends are held because the server said `rate_limited`; 0 when not holding. */
  #holdUntil = 0;

  constructor(private readonly host: OutboxHost) {}

  apply(event: OutboxEvent): void {
    const outbox = reduceOutbox(this.host.outbox(), event);
    if (outbox !== this.host.outbox()) this.host.setOutbox(outbox);
  }

  send(
    conversationId: string,
    body: string,
    attachments: readonly Attachment[],
    replyTo?: ReplyTo,
    mentionIds: readonly string[] = [],
  ): void {
    const item: OutboxItem = {
      clientId: uuid(),
      conversationId,
      body,
      attachments,
      ...(replyTo ? { replyTo } : {}),
      ...(mentionIds.length > 0 ? { mentionIds } : {}),
      createdAt: new Date().toISOString(),
      status: 'sending',
    };
    this.apply({ type: 'queued', item });
    this.transmit(item.clientId);
  }

  retry(clientId: string): void {
    this.apply({ type: 'resending', clientId });
    this.transmit(clientId);
  }

  /** Everything not acknowledged yet goes again, with the same clientId, in order. */
  resendAll(): void {
    for (const clientId of toResend(this.host.outbox())) this.retry(clientId);
  }

  transmit(clientId: string): void {
    const item = this.host.outbox().find((entry) => entry.clientId === clientId);
    if (!item || !this.host.live()) return;
    // Over the send limit: wait with the others, then go out in order (see tick).
    if (Date.now() < this.#holdUntil) {
      this.apply({ type: 'waiting', clientId, until: this.#holdUntil });
      return;
    }
    if (this.host.send(sendFrame(item))) this.apply({ type: 'sent', clientId, at: Date.now() });
  }

  /** An `error` frame from the server, about one of our sends. */
  refused(frame: Extract<ServerFrame, { type: 'error' }>): void {
    if (frame.clientId && frame.error.code === 'rate_limited') {
      // Refused for the send limit: hold every send until the window has passed.
      this.#holdUntil = Math.max(this.#holdUntil, Date.now() + retryAfterMs(frame.error.details));
      this.apply({ type: 'waiting', clientId: frame.clientId, until: this.#holdUntil });
    } else if (frame.clientId) {
      const error = describeError(new ApiError(frame.error.code, frame.error.message, 0));
      this.apply({ type: 'rejected', clientId: frame.clientId, error });
    }
  }

  tick(now: number): void {
    const { outbox, holdUntil, release } = tickOutbox(this.host.outbox(), {
      now,
      live: this.host.live(),
      holdUntil: this.#holdUntil,
    });
    this.#holdUntil = holdUntil;
    if (outbox !== this.host.outbox()) this.host.setOutbox(outbox);
    // The send limit's window has passed: everything held goes out again, in outbox order.
    for (const clientId of release) this.transmit(clientId);
  }
}

import type { ServerFrame } from '@parley/contract';
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import { presentMessage } from '../messages/message.presenter.js';
import { attachmentsByMessage, messagesSince } from '../messages/message.repository.js';

const PAGE = 500;

/**
 * One conversation as one connection sees it. Every message change carries the conversation's change
 * counter (rev), which has no gaps; the cursor delivers each rev once, in order. A live event that jumps
 * ahead (another instance published first, or the bus dropped one) makes it read what it missed from the
 * database; a stale one (already covered by a catch-up) is dropped. Work is serialized per cursor.
 */
export class ConversationCursor {
  #lastSeq: number;
  #lastRev: number;
  #chain: Promise<void> = Promise.resolve();

  constructor(
    readonly conversationId: string,
    position: { seq: number; rev: number },
    private readonly db: Kysely<DB>,
    private readonly send: (frame: ServerFrame) => void,
    private readonly onError: (error: unknown) => void,
  ) {
    this.#lastSeq = position.seq;
    this.#lastRev = position.rev;
  }

  get position(): { seq: number; rev: number } {
    return { seq: this.#lastSeq, rev: this.#lastRev };
  }

  #enqueue(work: () => Promise<void>): Promise<void> {
    const next = this.#chain.then(work).catch(this.onError);
    this.#chain = next;
    return next;
  }

  /** A message or message_updated event from the bus. */
  onMessageEvent(message: Extract<ServerFrame, { type: 'message' }>['message']): void {
    void this.#enqueue(async () => {
      if (message.rev <= this.#lastRev) return;
      if (message.rev === this.#lastRev + 1) {
        const isNew = message.seq > this.#lastSeq;
        this.send({ type: isNew ? 'message' : 'message_updated', message });
        this.#lastRev = message.rev;
        if (isNew) this.#lastSeq = message.seq;
        return;
      }
      await this.#catchUp(this.#lastSeq, this.#lastRev);
    });
  }

  /**
   * Resume from a client's position: everything after it, in seq order, then live events. Without a rev
   * the client gets new messages only (it cannot say which changes it saw).
   */
  resume(position: { seq: number; rev?: number | undefined }): Promise<void> {
    return this.#enqueue(async () => {
      this.#lastSeq = position.seq;
      await this.#catchUp(position.seq, position.rev ?? Number.MAX_SAFE_INTEGER);
    });
  }

  /** Waits for queued work (tests and orderly shutdown). */
  settled(): Promise<void> {
    return this.#chain;
  }

  /** Reads, in one consistent snapshot, what changed after (seq, rev) and moves the watermark to it. */
  async #catchUp(sinceSeq: number, sinceRev: number): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      const counters = await trx
        .selectFrom('conversations')
        .select(['last_seq', 'last_rev'])
        .where('id', '=', this.conversationId)
        .executeTakeFirst();
      if (!counters) return;
      let afterSeq = 0;
      for (;;) {
        const rows = await messagesSince(
          trx,
          this.conversationId,
          { seq: sinceSeq, rev: sinceRev },
          { afterSeq, limit: PAGE },
        );
        const attachments = await attachmentsByMessage(
          trx,
          rows.map((r) => r.id),
        );
        for (const row of rows) {
          const message = presentMessage(row, attachments.get(row.id));
          this.send({ type: message.seq > sinceSeq ? 'message' : 'message_updated', message });
          afterSeq = message.seq;
        }
        if (rows.length < PAGE) break;
      }
      this.#lastSeq = Math.max(sinceSeq, Number(counters.last_seq));
      this.#lastRev = Number(counters.last_rev);
    });
  }
}

import type { ServerFrame } from '@parley/contract';
import type { Kysely } from 'kysely';
import { yieldToEventLoop } from '../../db/chunks.js';
import type { DB } from '../../db/schema.js';
import { conversationCounters, findCounters } from '../conversations/conversation.repository.js';
import { loadMessages } from '../messages/message.loader.js';
import { messagesSince } from '../messages/message.repository.js';

const PAGE = 500;

type Position = { seq: number; rev?: number | undefined };
type Counters = { seq: number; rev: number };

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
  /** Work queued on the chain and not finished yet. */
  #queued = 0;

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
    this.#queued += 1;
    const next = this.#chain
      .then(work)
      .catch(this.onError)
      .finally(() => {
        this.#queued -= 1;
      });
    this.#chain = next;
    return next;
  }

  /**
   * A message or message_updated event from the bus. The common case — nothing queued and the event is
   * the next rev — is handled at once, without a turn on the chain (a 1,000-member fan-out runs this
   * 1,000 times per message); anything else waits its turn behind the queued work, as before.
   */
  onMessageEvent(message: Extract<ServerFrame, { type: 'message' }>['message']): void {
    if (this.#queued === 0 && this.#deliverNext(message)) return;
    void this.#enqueue(async () => {
      if (this.#deliverNext(message)) return;
      await this.#catchUp(this.#lastSeq, this.#lastRev);
    });
  }

  /** Sends the event if it is the next rev, drops it if already delivered; false when revs were missed. */
  #deliverNext(message: Extract<ServerFrame, { type: 'message' }>['message']): boolean {
    if (message.rev <= this.#lastRev) return true;
    if (message.rev !== this.#lastRev + 1) return false;
    const isNew = message.seq > this.#lastSeq;
    this.send({ type: isNew ? 'message' : 'message_updated', message });
    this.#lastRev = message.rev;
    if (isNew) this.#lastSeq = message.seq;
    return true;
  }

  /**
   * Resume from a client's position: everything after it, in seq order, then live events. Without a rev
   * the client gets new messages only (it cannot say which changes it saw).
   */
  resume(position: Position): Promise<void> {
    return this.#enqueue(async () => {
      this.#lastSeq = position.seq;
      await this.#catchUp(position.seq, position.rev ?? Number.MAX_SAFE_INTEGER);
    });
  }

  /**
   * `resume` when the conversation's counters are read for many cursors at once (resumeCursors): `turn`
   * is called once this cursor's earlier work is done and returns the counters read after that. When
   * nothing changed after the client's position, the cursor only moves its watermark: no query of its own.
   */
  resumeWith(
    position: Position,
    turn: () => Promise<ReadonlyMap<string, Counters> | undefined>,
  ): Promise<void> {
    return this.#enqueue(async () => {
      const counters = (await turn())?.get(this.conversationId);
      if (!counters) return;
      const sinceRev = position.rev ?? Number.MAX_SAFE_INTEGER;
      this.#lastSeq = position.seq;
      if (counters.seq > position.seq || counters.rev > sinceRev) {
        await this.#catchUp(position.seq, sinceRev);
        return;
      }
      this.#lastSeq = Math.max(position.seq, counters.seq);
      this.#lastRev = counters.rev;
    });
  }

  /** Waits for queued work (tests and orderly shutdown). */
  settled(): Promise<void> {
    return this.#chain;
  }

  /** Reads, in one consistent snapshot, what changed after (seq, rev) and moves the watermark to it. */
  async #catchUp(sinceSeq: number, sinceRev: number): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      const counters = await findCounters(trx, this.conversationId);
      if (!counters) return;
      let afterSeq = 0;
      for (;;) {
        const rows = await messagesSince(
          trx,
          this.conversationId,
          { seq: sinceSeq, rev: sinceRev },
          { afterSeq, limit: PAGE },
        );
        for (const message of await loadMessages(trx, rows)) {
          this.send({ type: message.seq > sinceSeq ? 'message' : 'message_updated', message });
          afterSeq = message.seq;
        }
        if (rows.length < PAGE) break;
        // A long backlog goes out page by page without holding the event loop for all of it.
        await yieldToEventLoop();
      }
      this.#lastSeq = Math.max(sinceSeq, counters.seq);
      this.#lastRev = counters.rev;
    });
  }
}

/**
 * Resumes many cursors of one connection with one read of their counters. Each cursor's queue is parked
 * first, so no live event moves it between that read and its use; then cursors whose conversation did not
 * change after the client's position just take the counters, and only changed ones read their messages.
 * Queries: one for the counters (per 500 conversations) plus a catch-up per changed conversation.
 */
export async function resumeCursors(
  db: Kysely<DB>,
  items: readonly { cursor: ConversationCursor; position: Position }[],
): Promise<void> {
  let deliver: (counters: ReadonlyMap<string, Counters> | undefined) => void = () => undefined;
  const counters = new Promise<ReadonlyMap<string, Counters> | undefined>((resolve) => {
    deliver = resolve;
  });
  const parked: Promise<void>[] = [];
  const resumed = items.map(({ cursor, position }) => {
    let arrived: () => void = () => undefined;
    parked.push(
      new Promise<void>((resolve) => {
        arrived = resolve;
      }),
    );
    return cursor.resumeWith(position, () => {
      arrived();
      return counters;
    });
  });
  try {
    await Promise.all(parked);
    const rows = await conversationCounters(
      db,
      items.map(({ cursor }) => cursor.conversationId),
    );
    deliver(new Map(rows.map((row) => [row.id, { seq: Number(row.last_seq), rev: Number(row.last_rev) }])));
  } catch (error) {
    // Cursors stay where they were; the connection reports the failure once.
    deliver(undefined);
    await Promise.all(resumed);
    throw error;
  }
  await Promise.all(resumed);
}

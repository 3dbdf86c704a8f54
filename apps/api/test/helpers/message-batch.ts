import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { DB } from '../../src/db/schema.js';
import type { SendRequest, SendResult } from '../../src/modules/messages/write-message-batch.command.js';

/** A user as the batch tests know them. */
interface Sender {
  readonly userId: string;
}

/**
 * What the write path's tests (`write-message-batch*.test.ts`) build requests with and read back: a
 * text send, a conversation's counters, its stored messages in seq order, a result that must be a stored
 * message.
 */
export function batchTestKit(db: () => Kysely<DB>) {
  return {
    request: (conversationId: string, sender: Sender, body = 'hi', clientId: string = randomUUID()) =>
      ({ conversationId, senderId: sender.userId, clientId, body, attachmentIds: [] }) satisfies SendRequest,
    counters: (id: string) =>
      db()
        .selectFrom('conversations')
        .select(['last_seq', 'last_rev'])
        .where('id', '=', id)
        .executeTakeFirstOrThrow()
        .then((row) => ({ seq: Number(row.last_seq), rev: Number(row.last_rev) })),
    stored: (conversationId: string) =>
      db()
        .selectFrom('messages')
        .select(['seq', 'client_id', 'sender_id', 'body'])
        .where('conversation_id', '=', conversationId)
        .orderBy('seq')
        .execute(),
    ok: (result: SendResult | Error | undefined): SendResult => {
      if (!result || result instanceof Error) throw result ?? new Error('no result');
      return result;
    },
  };
}

/**
 * The checks after the phases: every ack is in the database exactly once, as acknowledged, and every
 * connection got every message of its conversations exactly once, in seq order.
 */
import type { Connection, RowDataPacket } from 'mysql2/promise';
import type { BenchClient } from './bench-client.js';
import type { Fixture } from './fixture.js';
import { settings } from './settings.js';
import type { Traffic } from './traffic.js';

export async function verify(admin: Connection, fixture: Fixture, clients: BenchClient[], traffic: Traffic) {
  const { sent, anomalies } = traffic;
  const conversations = [...fixture.pairs, fixture.group];
  const [rows] = await admin.query<RowDataPacket[]>(
    'SELECT id, conversation_id, seq, client_id, sender_id FROM messages WHERE conversation_id IN (?) ORDER BY conversation_id, seq',
    [conversations],
  );
  const byConversation = new Map<string, { id: string; seq: number; clientId: string }[]>();
  const byClientId = new Map<string, { id: string; seq: number; conversationId: string }[]>();
  for (const row of rows) {
    const item = { id: String(row.id), seq: Number(row.seq), clientId: String(row.client_id) };
    const list = byConversation.get(String(row.conversation_id)) ?? [];
    list.push(item);
    byConversation.set(String(row.conversation_id), list);
    const same = byClientId.get(item.clientId) ?? [];
    same.push({ id: item.id, seq: item.seq, conversationId: String(row.conversation_id) });
    byClientId.set(item.clientId, same);
  }

  // 1. Every acked message is in the database exactly once, as acknowledged; nothing stored unacked.
  let acked = 0;
  let ackedMissing = 0;
  let ackedDuplicated = 0;
  let ackedMismatch = 0;
  let unacked = 0;
  for (const [clientId, record] of sent) {
    if (record.acks === 0) {
      unacked += 1;
      continue;
    }
    acked += 1;
    const stored = byClientId.get(clientId) ?? [];
    if (stored.length === 0) ackedMissing += 1;
    else if (stored.length > 1) ackedDuplicated += 1;
    else if (
      stored[0]?.id !== record.ackId ||
      stored[0]?.seq !== record.ackSeq ||
      stored[0]?.conversationId !== record.conversationId
    )
      ackedMismatch += 1;
  }
  const storedNotAcked = [...byClientId.keys()].filter((clientId) => !(sent.get(clientId)?.acks ?? 0)).length;

  // 2. seq per conversation is 1..N without gaps.
  let seqGaps = 0;
  for (const list of byConversation.values()) {
    list.forEach((item, i) => {
      if (item.seq !== i + 1) seqGaps += 1;
    });
  }

  // 3. Every connection got every message of each of its conversations exactly once, in seq order.
  let streams = 0;
  let expectedDeliveries = 0;
  let lost = 0;
  let duplicated = 0;
  let reordered = 0;
  let wrongMessage = 0;
  const failures: string[] = [];
  for (const client of clients) {
    const followed = [fixture.group];
    if (client.index < fixture.pairs.length * 2)
      followed.push(fixture.pairs[Math.floor(client.index / 2)] as string);
    for (const conversationId of followed) {
      if (conversationId === fixture.group && client.index >= settings.groupSize) continue;
      streams += 1;
      const expected = byConversation.get(conversationId) ?? [];
      expectedDeliveries += expected.length;
      const got = client.received.get(conversationId) ?? { seqs: [], clientIds: [] };
      const seen = new Set<number>();
      let previous = 0;
      let streamOk = true;
      got.seqs.forEach((seq, i) => {
        if (seen.has(seq)) {
          duplicated += 1;
          streamOk = false;
          return;
        }
        seen.add(seq);
        if (seq < previous) {
          reordered += 1;
          streamOk = false;
        }
        previous = Math.max(previous, seq);
        if (expected[seq - 1]?.clientId !== got.clientIds[i]) {
          wrongMessage += 1;
          streamOk = false;
        }
      });
      const missing = expected.filter((item) => !seen.has(item.seq)).length;
      if (missing > 0) streamOk = false;
      lost += missing;
      if (!streamOk && failures.length < 10)
        failures.push(
          `user ${client.index} conversation ${conversationId}: got ${got.seqs.length}, expected ${expected.length}`,
        );
    }
  }
  for (const client of clients) {
    for (const conversationId of client.received.keys()) {
      if (!conversations.includes(conversationId))
        failures.push(`user ${client.index} got foreign ${conversationId}`);
    }
  }

  const summary = {
    acked,
    ackedMissingFromDb: ackedMissing,
    ackedStoredTwice: ackedDuplicated,
    ackedDifferentFromDb: ackedMismatch,
    sentNeverAcked: unacked,
    storedNeverAcked: storedNotAcked,
    seqGaps,
    streamsChecked: streams,
    deliveriesExpected: expectedDeliveries,
    lost,
    duplicated,
    reordered,
    wrongMessage,
    unknownAcks: anomalies.unknownAcks,
    duplicateAcks: anomalies.duplicateAcks,
    unknownMessages: anomalies.unknownMessages,
    errorFrames: anomalies.errorFrames.length,
  };
  const ok =
    Object.entries(summary).every(
      ([key, value]) => ['acked', 'streamsChecked', 'deliveriesExpected'].includes(key) || value === 0,
    ) && failures.length === 0;
  return { ok, summary, failures, errorFrames: anomalies.errorFrames };
}

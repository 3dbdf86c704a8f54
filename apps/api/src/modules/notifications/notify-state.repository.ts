import type { DbTime, Executor, NotifyEmailSetting } from '../../db/schema.js';
import { isUniqueViolation } from '../../db/unique-violation.js';

/**
 * The data of the email-notification job (email-notifier.ts, ADR 0018): which members may be due an
 * email, which of their unread messages start one, and the claim and throttle row of each
 * (user, conversation) in `notify_email_state`.
 */

export interface Candidate {
  readonly userId: string;
  readonly email: string;
  readonly displayName: string;
  readonly setting: Exclude<NotifyEmailSetting, 'off'>;
  readonly conversationId: string;
  readonly conversationType: 'direct' | 'group';
  readonly conversationTitle: string | null;
  readonly lastReadSeq: number;
  /** The state row's `emailed_through_seq`, or undefined when the pair was never emailed about. */
  readonly emailedThroughSeq: number | undefined;
}

export interface CandidateWindow {
  /** Conversations whose last message is older than this are not looked at (NOTIFY_EMAIL_MAX_AGE). */
  readonly activeSince: DbTime;
  /** An email sent at or before this no longer holds back the next one (NOTIFY_EMAIL_REPEAT_AFTER). */
  readonly repeatBefore: DbTime;
  /** A claim taken at or before this belongs to a run that died: it may be taken over. */
  readonly claimedBefore: DbTime;
  /** Keyset paging within one run: rows after this (user, conversation). */
  readonly after: { userId: string; conversationId: string } | undefined;
  readonly limit: number;
}

/**
 * Active members of recently active conversations who have unread messages there, may be emailed (live
 * account, verified address, setting not `off`) and are not held back: never emailed about it, or the
 * last email was read past or is older than the repeat interval, with messages newer than that email,
 * and nobody's claim in force. Which unread messages count, and whether they are old enough, is
 * `triggerMessages`' question.
 */
export async function findCandidates(db: Executor, window: CandidateWindow): Promise<Candidate[]> {
  let query = db
    .selectFrom('conversation_members as m')
    .innerJoin('conversations as c', 'c.id', 'm.conversation_id')
    .innerJoin('users as u', 'u.id', 'm.user_id')
    .leftJoin('notify_email_state as s', (join) =>
      join.onRef('s.user_id', '=', 'm.user_id').onRef('s.conversation_id', '=', 'm.conversation_id'),
    )
    .select([
      'm.user_id',
      'm.conversation_id',
      'm.last_read_seq',
      'c.type',
      'c.title',
      'u.email',
      'u.display_name',
      'u.notify_email',
      's.emailed_through_seq',
      's.user_id as state_user_id',
    ])
    .where('c.last_message_at', '>=', window.activeSince)
    .where('c.deleted_at', 'is', null)
    .where('m.left_at', 'is', null)
    // A conversation the user muted never emails (migration 0018).
    .where('m.muted', '=', 0)
    .whereRef('c.last_seq', '>', 'm.last_read_seq')
    .where('u.deleted_at', 'is', null)
    .where('u.email_verified_at', 'is not', null)
    .where('u.notify_email', '!=', 'off')
    .where((eb) =>
      eb.or([
        eb('s.user_id', 'is', null),
        eb.and([
          eb.or([eb('s.claim', 'is', null), eb('s.claimed_at', '<=', window.claimedBefore)]),
          eb('c.last_seq', '>', eb.ref('s.emailed_through_seq')),
          eb.or([
            eb('s.last_emailed_at', 'is', null),
            eb('s.last_emailed_at', '<=', window.repeatBefore),
            eb('m.last_read_seq', '>=', eb.ref('s.emailed_through_seq')),
          ]),
        ]),
      ]),
    );
  const after = window.after;
  if (after) {
    query = query.where((eb) =>
      eb.or([
        eb('m.user_id', '>', after.userId),
        eb.and([eb('m.user_id', '=', after.userId), eb('m.conversation_id', '>', after.conversationId)]),
      ]),
    );
  }
  const rows = await query.orderBy('m.user_id').orderBy('m.conversation_id').limit(window.limit).execute();
  return rows.map((row) => ({
    userId: row.user_id,
    email: row.email,
    displayName: row.display_name,
    setting: row.notify_email as Candidate['setting'],
    conversationId: row.conversation_id,
    conversationType: row.type,
    conversationTitle: row.title,
    lastReadSeq: Number(row.last_read_seq),
    emailedThroughSeq:
      row.state_user_id === null || row.emailed_through_seq === null
        ? undefined
        : Number(row.emailed_through_seq),
  }));
}

export interface TriggerMessage {
  readonly id: string;
  readonly seq: number;
  readonly body: string;
  readonly createdAt: DbTime;
  readonly senderName: string;
}

/**
 * The unread messages of a candidate that start an email, oldest first: live messages of others after
 * both the read marker and the last email; in a group, with `direct_and_mentions`, only those that
 * mention the user.
 */
export async function triggerMessages(
  db: Executor,
  candidate: Candidate,
  limit: number,
): Promise<TriggerMessage[]> {
  const from = Math.max(candidate.lastReadSeq, candidate.emailedThroughSeq ?? 0);
  let query = db
    .selectFrom('messages as msg')
    .innerJoin('users as sender', 'sender.id', 'msg.sender_id')
    .select(['msg.id', 'msg.seq', 'msg.body', 'msg.created_at', 'sender.display_name'])
    .where('msg.conversation_id', '=', candidate.conversationId)
    .where('msg.seq', '>', from)
    .where('msg.sender_id', '!=', candidate.userId)
    .where('msg.deleted_at', 'is', null);
  if (candidate.setting === 'direct_and_mentions' && candidate.conversationType === 'group') {
    query = query.where((eb) =>
      eb.exists(
        eb
          .selectFrom('message_mentions as mm')
          .select('mm.message_id')
          .whereRef('mm.message_id', '=', 'msg.id')
          .where('mm.user_id', '=', candidate.userId),
      ),
    );
  }
  const rows = await query.orderBy('msg.seq').limit(limit).execute();
  return rows.map((row) => ({
    id: row.id,
    seq: Number(row.seq),
    body: row.body,
    createdAt: row.created_at,
    senderName: row.display_name,
  }));
}

/** The user's read markers in these conversations (active memberships only). */
export async function readMarkers(
  db: Executor,
  userId: string,
  conversationIds: readonly string[],
): Promise<Map<string, number>> {
  if (conversationIds.length === 0) return new Map();
  const rows = await db
    .selectFrom('conversation_members')
    .select(['conversation_id', 'last_read_seq'])
    .where('user_id', '=', userId)
    .where('conversation_id', 'in', conversationIds)
    .where('left_at', 'is', null)
    .execute();
  return new Map(rows.map((row) => [row.conversation_id, Number(row.last_read_seq)]));
}

/**
 * Claims a (user, conversation) for one run: true for exactly one caller, on any instance. A pair never
 * emailed about is claimed by INSERT on its primary key; otherwise by one conditional UPDATE that also
 * checks `emailed_through_seq` is still what the run saw, so a run that looked before another run's
 * email was recorded cannot claim the same messages again.
 */
export async function claimPair(
  db: Executor,
  input: {
    userId: string;
    conversationId: string;
    seen: number | undefined;
    claim: string;
    now: DbTime;
    claimedBefore: DbTime;
  },
): Promise<boolean> {
  if (input.seen === undefined) {
    try {
      await db
        .insertInto('notify_email_state')
        .values({
          user_id: input.userId,
          conversation_id: input.conversationId,
          emailed_through_seq: 0,
          last_emailed_at: null,
          claim: input.claim,
          claimed_at: input.now,
          created_at: input.now,
        })
        .execute();
      return true;
    } catch (error) {
      if (isUniqueViolation(error)) return false;
      throw error;
    }
  }
  const result = await db
    .updateTable('notify_email_state')
    .set({ claim: input.claim, claimed_at: input.now })
    .where('user_id', '=', input.userId)
    .where('conversation_id', '=', input.conversationId)
    .where('emailed_through_seq', '=', input.seen)
    .where((eb) => eb.or([eb('claim', 'is', null), eb('claimed_at', '<=', input.claimedBefore)]))
    .executeTakeFirst();
  return result.numUpdatedRows === 1n;
}

/** Records the email a claim sent and gives the pair back; false when the claim was taken over meanwhile. */
export async function markEmailed(
  db: Executor,
  input: { userId: string; conversationId: string; claim: string; throughSeq: number; now: DbTime },
): Promise<boolean> {
  const result = await db
    .updateTable('notify_email_state')
    .set({ emailed_through_seq: input.throughSeq, last_emailed_at: input.now, claim: null, claimed_at: null })
    .where('user_id', '=', input.userId)
    .where('conversation_id', '=', input.conversationId)
    .where('claim', '=', input.claim)
    .executeTakeFirst();
  return result.numUpdatedRows === 1n;
}

/** Gives a claimed pair back unchanged (nothing was due after all, or the email failed): a later run retries. */
export async function releaseClaim(
  db: Executor,
  input: { userId: string; conversationId: string; claim: string },
): Promise<void> {
  await db
    .updateTable('notify_email_state')
    .set({ claim: null, claimed_at: null })
    .where('user_id', '=', input.userId)
    .where('conversation_id', '=', input.conversationId)
    .where('claim', '=', input.claim)
    .execute();
}

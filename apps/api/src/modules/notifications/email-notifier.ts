import type { Kysely } from 'kysely';
import type { NotifyEmailConfig } from '../../config.js';
import type { DB } from '../../db/schema.js';
import { fromDbTime, toDbTime } from '../../db/time.js';
import { newId } from '../../ids.js';
import type { Limiter } from '../../platform/limits/limiter.js';
import type { MailQueue } from '../../platform/mail/mail-queue.js';
import type { LinkSigner } from '../../platform/secrets/link-signer.js';
import { RepeatingTask } from '../../repeating-task.js';
import { userSocketsKey } from '../realtime/realtime.limits.js';
import { type SummaryConversation, summaryEmail } from './notification-email.js';
import {
  type Candidate,
  claimPair,
  findCandidates,
  markEmailed,
  readMarkers,
  releaseClaim,
  type TriggerMessage,
  triggerMessages,
} from './notify-state.repository.js';

/**
 * How long a run owns the pairs it claimed: far longer than sending one email takes. A run that died
 * between claiming and recording leaves a claim another run takes over after this (and may then send
 * that email a second time: at-least-once on a crash, exactly once otherwise; ADR 0018).
 */
export const NOTIFY_CLAIM_LEASE_MS = 10 * 60_000;
const BATCH_SIZE = 200;
/** Batches per run at most, so one run never holds an instance for long; the next run goes on. */
const MAX_BATCHES = 20;
/** Unread messages read per conversation: the first ones are quoted, the rest counted. */
const MESSAGES_READ = 51;

export interface NotifierLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface NotifierDeps {
  readonly db: Kysely<DB>;
  readonly mail: Pick<MailQueue, 'send'>;
  /** Whose WebSockets are open: the socket-cap slots, shared by every instance through Redis. */
  readonly limiter: Pick<Limiter, 'held'>;
  readonly links: Pick<LinkSigner, 'sign'>;
  readonly publicUrl: URL;
  readonly config: Pick<NotifyEmailConfig, 'delayMs' | 'repeatAfterMs' | 'maxAgeMs' | 'unsubscribeLinkTtlMs'>;
  readonly now: () => Date;
  readonly log: NotifierLog;
  readonly batchSize?: number;
}

/** Where a run stopped when it had more to look at than one run may (the next run goes on from there). */
export type NotifyCursor = { readonly userId: string; readonly conversationId: string };

export interface NotifyResult {
  /** Emails sent, one per user. */
  readonly emailed: number;
  /** Users whose email could not be sent (their pairs were given back for a later run). */
  readonly failed: number;
  /** Set when the run ended at its batch cap rather than at the last candidate. */
  readonly resumeAfter: NotifyCursor | undefined;
}

interface DuePair {
  readonly candidate: Candidate;
  readonly messages: readonly TriggerMessage[];
}

/**
 * One run: looks at members with unread messages in recently active conversations, and emails each
 * user who has no open socket one summary of the conversations whose oldest unread message that counts
 * (direct, mention, or any with `all`) is at least NOTIFY_EMAIL_DELAY old. Every (user, conversation) is
 * claimed before the email and recorded after it, so several instances running this at once send one
 * email per trigger; then that conversation stays quiet until the user reads past what was emailed or
 * NOTIFY_EMAIL_REPEAT_AFTER passes.
 */
export async function sendDueNotifications(
  deps: NotifierDeps,
  options: { startAfter?: NotifyCursor | undefined; maxBatches?: number } = {},
): Promise<NotifyResult> {
  const limit = deps.batchSize ?? BATCH_SIZE;
  let emailed = 0;
  let failed = 0;
  // A run may start where the previous one stopped, so users late in the order are not starved when
  // there are more candidates (connected users, messages not yet due) than one run looks at.
  let after: NotifyCursor | undefined = options.startAfter;
  for (let batch = 0; batch < (options.maxBatches ?? MAX_BATCHES); batch++) {
    const now = deps.now().getTime();
    const candidates = await findCandidates(deps.db, {
      activeSince: toDbTime(new Date(now - deps.config.maxAgeMs)),
      repeatBefore: toDbTime(new Date(now - deps.config.repeatAfterMs)),
      claimedBefore: toDbTime(new Date(now - NOTIFY_CLAIM_LEASE_MS)),
      after,
      limit,
    });
    const groups = byUser(candidates);
    // A full page may end in the middle of a user's conversations: that user starts the next page, so
    // all of one user's due conversations go in one email (unless one user alone fills a page).
    if (candidates.length === limit && groups.length > 1) groups.pop();
    for (const group of groups) {
      const outcome = await notifyUser(deps, group);
      if (outcome === 'emailed') emailed += 1;
      if (outcome === 'failed') failed += 1;
    }
    const last = groups.at(-1)?.at(-1);
    if (candidates.length < limit || !last) return { emailed, failed, resumeAfter: undefined };
    after = { userId: last.userId, conversationId: last.conversationId };
  }
  return { emailed, failed, resumeAfter: after };
}

function byUser(candidates: readonly Candidate[]): Candidate[][] {
  const groups: Candidate[][] = [];
  for (const candidate of candidates) {
    const group = groups.at(-1);
    if (group?.[0]?.userId === candidate.userId) group.push(candidate);
    else groups.push([candidate]);
  }
  return groups;
}

async function isConnected(deps: NotifierDeps, userId: string): Promise<boolean> {
  try {
    return (await deps.limiter.held(userSocketsKey(userId))) > 0;
  } catch (error) {
    // Unknown (Redis unreachable): better a late email than one to someone reading along.
    deps.log.warn({ err: error, userId }, 'could not tell whether a user is connected; no email this run');
    return true;
  }
}

async function notifyUser(
  deps: NotifierDeps,
  candidates: readonly Candidate[],
): Promise<'emailed' | 'failed' | 'none'> {
  const user = candidates[0];
  if (!user || (await isConnected(deps, user.userId))) return 'none';
  const dueBefore = deps.now().getTime() - deps.config.delayMs;
  const due: DuePair[] = [];
  for (const candidate of candidates) {
    const messages = await triggerMessages(deps.db, candidate, MESSAGES_READ);
    const oldest = messages[0];
    if (oldest && Date.parse(fromDbTime(oldest.createdAt)) <= dueBefore) due.push({ candidate, messages });
  }
  if (due.length === 0) return 'none';

  const claim = newId();
  const claimedAt = toDbTime(deps.now());
  const claimedBefore = toDbTime(new Date(deps.now().getTime() - NOTIFY_CLAIM_LEASE_MS));
  const claimed: DuePair[] = [];
  // In conversation order, stopping at the first pair another run holds: two runs looking at the same
  // user race for the same first pair, so the loser leaves all of that user's pairs to the winner and
  // the user gets one email, not one per run.
  for (const pair of due) {
    const won = await claimPair(deps.db, {
      userId: user.userId,
      conversationId: pair.candidate.conversationId,
      seen: pair.candidate.emailedThroughSeq,
      claim,
      now: claimedAt,
      claimedBefore,
    });
    if (!won) break;
    claimed.push(pair);
  }
  if (claimed.length === 0) return 'none';

  // The user may have read some of it between the look and the claim: only what is still unread goes.
  const readUpTo = await readMarkers(
    deps.db,
    user.userId,
    claimed.map((pair) => pair.candidate.conversationId),
  );
  const unread: DuePair[] = [];
  for (const pair of claimed) {
    const marker = readUpTo.get(pair.candidate.conversationId) ?? Number.POSITIVE_INFINITY;
    const messages = pair.messages.filter((message) => message.seq > marker);
    if (messages.length > 0) unread.push({ candidate: pair.candidate, messages });
    else
      await releaseClaim(deps.db, {
        userId: user.userId,
        conversationId: pair.candidate.conversationId,
        claim,
      });
  }
  if (unread.length === 0) return 'none';
  return sendSummary(deps, user, unread, claim);
}

async function sendSummary(
  deps: NotifierDeps,
  user: Candidate,
  claimed: readonly DuePair[],
  claim: string,
): Promise<'emailed' | 'failed'> {
  try {
    const token = await deps.links.sign('notify_unsubscribe', user.userId, deps.config.unsubscribeLinkTtlMs);
    await deps.mail.send(
      summaryEmail({
        to: user.email,
        publicUrl: deps.publicUrl,
        unsubscribeToken: token,
        conversations: claimed.map(toSummary),
      }),
    );
  } catch (error) {
    deps.log.error({ err: error, userId: user.userId }, 'notification email failed; a later run retries');
    for (const pair of claimed) {
      await releaseClaim(deps.db, {
        userId: user.userId,
        conversationId: pair.candidate.conversationId,
        claim,
      });
    }
    return 'failed';
  }
  const sentAt = toDbTime(deps.now());
  for (const pair of claimed) {
    const throughSeq = pair.messages.at(-1)?.seq ?? 0;
    await markEmailed(deps.db, {
      userId: user.userId,
      conversationId: pair.candidate.conversationId,
      claim,
      throughSeq,
      now: sentAt,
    });
  }
  return 'emailed';
}

function toSummary(pair: DuePair): SummaryConversation {
  const { candidate, messages } = pair;
  const direct = candidate.conversationType === 'direct';
  return {
    id: candidate.conversationId,
    title: candidate.conversationTitle ?? messages[0]?.senderName ?? 'A conversation',
    direct,
    messages,
    truncated: messages.length === MESSAGES_READ,
  };
}

/**
 * Runs sendDueNotifications every NOTIFY_EMAIL_INTERVAL (±10 % so instances drift apart), one run at a
 * time, in-process: no queue server. stop() waits for a run in progress.
 */
export class EmailNotifier {
  readonly #task: RepeatingTask;
  #resumeAfter: NotifyCursor | undefined;

  constructor(private readonly deps: NotifierDeps & { readonly intervalMs: number }) {
    this.#task = new RepeatingTask(deps.intervalMs, () => this.runOnce());
  }

  start(): void {
    this.#task.start();
  }

  /** One run now; logs instead of throwing. */
  async runOnce(): Promise<NotifyResult | undefined> {
    try {
      const result = await sendDueNotifications(this.deps, { startAfter: this.#resumeAfter });
      this.#resumeAfter = result.resumeAfter;
      if (result.emailed > 0 || result.failed > 0) {
        this.deps.log.info({ emailed: result.emailed, failed: result.failed }, 'sent notification emails');
      }
      return result;
    } catch (error) {
      this.deps.log.error({ err: error }, 'notification email run failed; the next one retries');
      return undefined;
    }
  }

  /** Cancels the next run and waits for one in progress. */
  stop(): Promise<void> {
    return this.#task.stop();
  }
}

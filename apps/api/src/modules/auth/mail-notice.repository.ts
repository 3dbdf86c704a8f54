import type { Executor } from '../../db/schema.js';
import { toDbTime } from '../../db/time.js';
import { isUniqueViolation } from '../../db/unique-violation.js';

/**
 * Informational emails a request can cause for an address it does not control; each is sent at most once
 * per interval per address: "someone tried to sign up with your email", "someone tried to move another
 * account to your email", "new sign-in to your account".
 */
export type MailNoticeKind = 'signup_attempt' | 'email_change_taken' | 'new_sign_in';

/**
 * Claims the right to send one notice of `kind` to `email` now: true for exactly one caller per interval,
 * across every instance, because the claim is one conditional UPDATE or one INSERT on a primary key.
 */
export async function claimMailNotice(
  db: Executor,
  input: { email: string; kind: MailNoticeKind; now: Date; intervalMs: number },
): Promise<boolean> {
  const now = toDbTime(input.now);
  const due = toDbTime(new Date(input.now.getTime() - input.intervalMs));
  const renewed = await db
    .updateTable('mail_notices')
    .set({ last_sent_at: now })
    .where('email', '=', input.email)
    .where('kind', '=', input.kind)
    .where('last_sent_at', '<=', due)
    .executeTakeFirst();
  if (renewed.numUpdatedRows === 1n) return true;
  try {
    await db
      .insertInto('mail_notices')
      .values({ email: input.email, kind: input.kind, last_sent_at: now })
      .execute();
    return true;
  } catch (error) {
    // A row exists: a notice went out within the interval (or another instance claimed it just now).
    if (isUniqueViolation(error)) return false;
    throw error;
  }
}

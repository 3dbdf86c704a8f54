import { createHash } from 'node:crypto';
import type { Selectable } from 'kysely';
import type { EmailTokenPurpose, EmailTokensTable, Executor } from '../../db/schema.js';
import { toDbTime } from '../../db/time.js';

export type EmailTokenRow = Selectable<EmailTokensTable>;

/** Binds a link to the password it was issued under: any password change kills it. */
export function passwordFingerprint(passwordHash: string): string {
  return createHash('sha256').update(passwordHash).digest('hex');
}

export async function insertEmailToken(
  db: Executor,
  input: {
    id: string;
    userId: string;
    purpose: EmailTokenPurpose;
    email: string;
    passwordHash: string;
    now: Date;
    expiresAt: Date;
    /** An `email_change` link: the address it moves the account to. */
    newEmail?: string;
  },
): Promise<void> {
  await db
    .insertInto('email_tokens')
    .values({
      id: input.id,
      user_id: input.userId,
      purpose: input.purpose,
      email: input.email,
      password_fingerprint: passwordFingerprint(input.passwordHash),
      created_at: toDbTime(input.now),
      expires_at: toDbTime(input.expiresAt),
      consumed_at: null,
      new_email: input.newEmail ?? null,
    })
    .execute();
}

/** The row of a link that is still usable (not consumed, not expired), without consuming it. */
export function findUsableEmailToken(
  db: Executor,
  input: { id: string; userId: string; purpose: EmailTokenPurpose; now: Date },
): Promise<EmailTokenRow | undefined> {
  return db
    .selectFrom('email_tokens')
    .selectAll()
    .where('id', '=', input.id)
    .where('user_id', '=', input.userId)
    .where('purpose', '=', input.purpose)
    .where('consumed_at', 'is', null)
    .where('expires_at', '>', toDbTime(input.now))
    .executeTakeFirst();
}

/**
 * Marks a link used with one conditional UPDATE: of two concurrent uses exactly one changes the row.
 * Returns the row when this call consumed it, undefined when it was unknown, used, expired or of
 * another purpose.
 */
export async function consumeEmailToken(
  db: Executor,
  input: { id: string; userId: string; purpose: EmailTokenPurpose; now: Date },
): Promise<EmailTokenRow | undefined> {
  const now = toDbTime(input.now);
  const result = await db
    .updateTable('email_tokens')
    .set({ consumed_at: now })
    .where('id', '=', input.id)
    .where('user_id', '=', input.userId)
    .where('purpose', '=', input.purpose)
    .where('consumed_at', 'is', null)
    .where('expires_at', '>', now)
    .executeTakeFirst();
  if (result.numUpdatedRows !== 1n) return undefined;
  return db.selectFrom('email_tokens').selectAll().where('id', '=', input.id).executeTakeFirst();
}

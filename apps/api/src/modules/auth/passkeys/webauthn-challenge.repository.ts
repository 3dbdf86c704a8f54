import type { Executor, WebAuthnPurpose } from '../../../db/schema.js';
import { toDbTime } from '../../../db/time.js';

export async function insertWebAuthnChallenge(
  db: Executor,
  input: {
    id: string;
    purpose: WebAuthnPurpose;
    userId: string | null;
    sessionId: string | null;
    now: Date;
    expiresAt: Date;
  },
): Promise<void> {
  await db
    .insertInto('webauthn_challenges')
    .values({
      id: input.id,
      purpose: input.purpose,
      user_id: input.userId,
      session_id: input.sessionId,
      created_at: toDbTime(input.now),
      expires_at: toDbTime(input.expiresAt),
      consumed_at: null,
    })
    .execute();
}

/**
 * Spends a challenge: one conditional UPDATE, so it works once (right or wrong answer alike), only for
 * its purpose, only before it expires, and only for the session it was issued to (`sessionId`, or none).
 * Returns the user it was issued to (null for a passkey-only sign-in), or undefined when not spendable.
 */
export async function consumeWebAuthnChallenge(
  db: Executor,
  input: { id: string; purpose: WebAuthnPurpose; sessionId: string | null; now: Date },
): Promise<{ userId: string | null } | undefined> {
  let update = db
    .updateTable('webauthn_challenges')
    .set({ consumed_at: toDbTime(input.now) })
    .where('id', '=', input.id)
    .where('purpose', '=', input.purpose)
    .where('consumed_at', 'is', null)
    .where('expires_at', '>', toDbTime(input.now));
  update =
    input.sessionId === null
      ? update.where('session_id', 'is', null)
      : update.where('session_id', '=', input.sessionId);
  const result = await update.executeTakeFirst();
  if (result.numUpdatedRows !== 1n) return undefined;
  const row = await db
    .selectFrom('webauthn_challenges')
    .select('user_id')
    .where('id', '=', input.id)
    .executeTakeFirst();
  return row ? { userId: row.user_id } : undefined;
}

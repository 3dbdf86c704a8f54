import type { Selectable } from 'kysely';
import type { Executor, MfaChallengesTable } from '../../../db/schema.js';
import { toDbTime } from '../../../db/time.js';

export type MfaChallengeRow = Selectable<MfaChallengesTable>;

export async function insertMfaChallenge(
  db: Executor,
  input: { id: string; userId: string; passwordFingerprint: string; now: Date; expiresAt: Date },
): Promise<void> {
  await db
    .insertInto('mfa_challenges')
    .values({
      id: input.id,
      user_id: input.userId,
      password_fingerprint: input.passwordFingerprint,
      created_at: toDbTime(input.now),
      expires_at: toDbTime(input.expiresAt),
      failed_attempts: 0,
      consumed_at: null,
    })
    .execute();
}

/** A challenge that can still be answered: not consumed, not expired, fewer than `maxFailures` wrong codes. */
export function findOpenMfaChallenge(
  db: Executor,
  input: { id: string; now: Date; maxFailures: number },
): Promise<MfaChallengeRow | undefined> {
  return db
    .selectFrom('mfa_challenges')
    .selectAll()
    .where('id', '=', input.id)
    .where('consumed_at', 'is', null)
    .where('expires_at', '>', toDbTime(input.now))
    .where('failed_attempts', '<', input.maxFailures)
    .executeTakeFirst();
}

/** Counts one wrong code; returns the failures now recorded (undefined if the challenge was closed meanwhile). */
export async function recordMfaChallengeFailure(
  db: Executor,
  input: { id: string; maxFailures: number },
): Promise<number | undefined> {
  const result = await db
    .updateTable('mfa_challenges')
    .set((eb) => ({ failed_attempts: eb('failed_attempts', '+', 1) }))
    .where('id', '=', input.id)
    .where('consumed_at', 'is', null)
    .where('failed_attempts', '<', input.maxFailures)
    .executeTakeFirst();
  if (result.numUpdatedRows !== 1n) return undefined;
  const row = await db
    .selectFrom('mfa_challenges')
    .select('failed_attempts')
    .where('id', '=', input.id)
    .executeTakeFirst();
  return row?.failed_attempts;
}

/** Spends the challenge: exactly one caller gets true, and only while it is still open. */
export async function consumeMfaChallenge(
  db: Executor,
  input: { id: string; now: Date; maxFailures: number },
): Promise<boolean> {
  const result = await db
    .updateTable('mfa_challenges')
    .set({ consumed_at: toDbTime(input.now) })
    .where('id', '=', input.id)
    .where('consumed_at', 'is', null)
    .where('expires_at', '>', toDbTime(input.now))
    .where('failed_attempts', '<', input.maxFailures)
    .executeTakeFirst();
  return result.numUpdatedRows === 1n;
}

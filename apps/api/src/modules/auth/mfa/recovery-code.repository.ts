import type { Executor } from '../../../db/schema.js';
import { toDbTime } from '../../../db/time.js';
import { newId } from '../../../ids.js';

/** Ends the user's current set: every unused code stops working. */
export async function retireRecoveryCodes(db: Executor, userId: string, now: Date): Promise<void> {
  await db
    .updateTable('recovery_codes')
    .set({ retired_at: toDbTime(now) })
    .where('user_id', '=', userId)
    .where('used_at', 'is', null)
    .where('retired_at', 'is', null)
    .execute();
}

export async function insertRecoveryCodes(
  db: Executor,
  input: { userId: string; hashes: readonly string[]; now: Date },
): Promise<void> {
  const createdAt = toDbTime(input.now);
  await db
    .insertInto('recovery_codes')
    .values(
      input.hashes.map((hash) => ({
        id: newId(),
        user_id: input.userId,
        code_hash: hash,
        created_at: createdAt,
        used_at: null,
        retired_at: null,
      })),
    )
    .execute();
}

/** Codes of the user's current set not used yet. */
export async function countRecoveryCodesLeft(db: Executor, userId: string): Promise<number> {
  const row = await db
    .selectFrom('recovery_codes')
    .select((eb) => eb.fn.countAll().as('n'))
    .where('user_id', '=', userId)
    .where('used_at', 'is', null)
    .where('retired_at', 'is', null)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/**
 * Uses the live code whose keyed hash is one of `hashes` (one per known key). The final UPDATE is
 * conditional on the code being unused, so a code works once even when two requests race.
 */
export async function useRecoveryCode(
  db: Executor,
  input: { userId: string; hashes: readonly string[]; now: Date },
): Promise<boolean> {
  if (input.hashes.length === 0) return false;
  const found = await db
    .selectFrom('recovery_codes')
    .select('id')
    .where('user_id', '=', input.userId)
    .where('code_hash', 'in', [...input.hashes])
    .where('used_at', 'is', null)
    .where('retired_at', 'is', null)
    .executeTakeFirst();
  if (!found) return false;
  const result = await db
    .updateTable('recovery_codes')
    .set({ used_at: toDbTime(input.now) })
    .where('id', '=', found.id)
    .where('used_at', 'is', null)
    .where('retired_at', 'is', null)
    .executeTakeFirst();
  return result.numUpdatedRows === 1n;
}

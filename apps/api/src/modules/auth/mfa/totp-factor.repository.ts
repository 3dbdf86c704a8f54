import type { Selectable } from 'kysely';
import type { Executor, TotpFactorsTable } from '../../../db/schema.js';
import { toDbTime } from '../../../db/time.js';
import { newId } from '../../../ids.js';

export type TotpFactorRow = Selectable<TotpFactorsTable>;

const COLUMNS = [
  'id',
  'user_id',
  'secret_sealed',
  'created_at',
  'confirmed_at',
  'disabled_at',
  'last_used_step',
  'active_user_id',
] as const;

/** The user's confirmed, not disabled authenticator, if any (at most one: a unique index says so). */
export function findActiveTotp(db: Executor, userId: string): Promise<TotpFactorRow | undefined> {
  return db
    .selectFrom('totp_factors')
    .select(COLUMNS)
    .where('active_user_id', '=', userId)
    .executeTakeFirst();
}

/** The newest enrolment not confirmed yet and not abandoned. */
export function findPendingTotp(db: Executor, userId: string): Promise<TotpFactorRow | undefined> {
  return db
    .selectFrom('totp_factors')
    .select(COLUMNS)
    .where('user_id', '=', userId)
    .where('confirmed_at', 'is', null)
    .where('disabled_at', 'is', null)
    .orderBy('created_at', 'desc')
    .orderBy('id')
    .limit(1)
    .executeTakeFirst();
}

/** Abandons every pending enrolment of the user (a new one starts, or an operator resets the factors). */
export async function abandonPendingTotp(db: Executor, userId: string, now: Date): Promise<void> {
  await db
    .updateTable('totp_factors')
    .set({ disabled_at: toDbTime(now) })
    .where('user_id', '=', userId)
    .where('confirmed_at', 'is', null)
    .where('disabled_at', 'is', null)
    .execute();
}

export async function insertPendingTotp(
  db: Executor,
  input: { userId: string; secretSealed: string; now: Date },
): Promise<string> {
  const id = newId();
  await db
    .insertInto('totp_factors')
    .values({
      id,
      user_id: input.userId,
      secret_sealed: input.secretSealed,
      created_at: toDbTime(input.now),
      confirmed_at: null,
      disabled_at: null,
      last_used_step: null,
    })
    .execute();
  return id;
}

/**
 * Activates a pending enrolment with the step of the code that confirmed it (that code is then used).
 * Conditional, so of two racing confirmations one wins; a second active factor breaks the unique index.
 */
export async function confirmTotp(db: Executor, id: string, step: number, now: Date): Promise<boolean> {
  const result = await db
    .updateTable('totp_factors')
    .set({ confirmed_at: toDbTime(now), last_used_step: step })
    .where('id', '=', id)
    .where('confirmed_at', 'is', null)
    .where('disabled_at', 'is', null)
    .executeTakeFirst();
  return result.numUpdatedRows === 1n;
}

/**
 * Spends the time step of an accepted code: one conditional UPDATE, so of two requests carrying the same
 * code (or two codes of one step) exactly one gets true. Optionally stores the secret sealed anew.
 */
export async function claimTotpStep(
  db: Executor,
  id: string,
  step: number,
  resealed?: string,
): Promise<boolean> {
  const result = await db
    .updateTable('totp_factors')
    .set({ last_used_step: step, ...(resealed ? { secret_sealed: resealed } : {}) })
    .where('id', '=', id)
    .where('disabled_at', 'is', null)
    .where((eb) => eb.or([eb('last_used_step', 'is', null), eb('last_used_step', '<', step)]))
    .executeTakeFirst();
  return result.numUpdatedRows === 1n;
}

/** Disables the user's active authenticator; whether there was one. */
export async function disableActiveTotp(db: Executor, userId: string, now: Date): Promise<boolean> {
  const result = await db
    .updateTable('totp_factors')
    .set({ disabled_at: toDbTime(now) })
    .where('active_user_id', '=', userId)
    .where('disabled_at', 'is', null)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

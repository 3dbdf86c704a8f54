import type { Selectable } from 'kysely';
import type { Executor, PasskeysTable } from '../../../db/schema.js';
import { toDbTime } from '../../../db/time.js';
import { newId } from '../../../ids.js';

export type PasskeyRow = Selectable<PasskeysTable>;

const COLUMNS = [
  'id',
  'user_id',
  'name',
  'credential_id',
  'credential_hash',
  'public_key',
  'counter',
  'transports',
  'device_type',
  'backed_up',
  'aaguid',
  'created_at',
  'last_used_at',
  'removed_at',
  'live_credential_hash',
] as const;

/** The user's passkeys that are not removed, oldest first. */
export function listLivePasskeys(db: Executor, userId: string): Promise<PasskeyRow[]> {
  return db
    .selectFrom('passkeys')
    .select(COLUMNS)
    .where('user_id', '=', userId)
    .where('removed_at', 'is', null)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
}

export async function hasLivePasskey(db: Executor, userId: string): Promise<boolean> {
  const row = await db
    .selectFrom('passkeys')
    .select('id')
    .where('user_id', '=', userId)
    .where('removed_at', 'is', null)
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}

/** A live passkey by its credential's hash (whoever owns it). */
export function findLivePasskeyByCredential(
  db: Executor,
  credentialHash: string,
): Promise<PasskeyRow | undefined> {
  return db
    .selectFrom('passkeys')
    .select(COLUMNS)
    .where('live_credential_hash', '=', credentialHash)
    .executeTakeFirst();
}

/** One of the user's live passkeys by id: someone else's, a removed one or an unknown id is undefined. */
export function findOwnLivePasskey(
  db: Executor,
  userId: string,
  id: string,
): Promise<PasskeyRow | undefined> {
  return db
    .selectFrom('passkeys')
    .select(COLUMNS)
    .where('id', '=', id)
    .where('user_id', '=', userId)
    .where('removed_at', 'is', null)
    .executeTakeFirst();
}

export async function insertPasskey(
  db: Executor,
  input: Omit<PasskeyRow, 'id' | 'created_at' | 'last_used_at' | 'removed_at' | 'live_credential_hash'> & {
    now: Date;
  },
): Promise<PasskeyRow> {
  const { now, ...values } = input;
  const row = {
    ...values,
    id: newId(),
    created_at: toDbTime(now),
    last_used_at: null,
    removed_at: null,
  };
  await db.insertInto('passkeys').values(row).execute();
  return { ...row, live_credential_hash: row.credential_hash };
}

/**
 * Records a use: the new counter and backup state, and the time. Conditional on the counter it was
 * checked against, so of two racing assertions with the same counter exactly one gets true.
 */
export async function recordPasskeyUse(
  db: Executor,
  input: { id: string; expectedCounter: number; counter: number; backedUp: boolean; now: Date },
): Promise<boolean> {
  const result = await db
    .updateTable('passkeys')
    .set({
      counter: input.counter,
      backed_up: input.backedUp ? 1 : 0,
      last_used_at: toDbTime(input.now),
    })
    .where('id', '=', input.id)
    .where('removed_at', 'is', null)
    .where('counter', '=', input.expectedCounter)
    .executeTakeFirst();
  return result.numUpdatedRows === 1n;
}

export async function renamePasskey(db: Executor, id: string, name: string): Promise<void> {
  await db
    .updateTable('passkeys')
    .set({ name })
    .where('id', '=', id)
    .where('removed_at', 'is', null)
    .execute();
}

/** Marks one passkey removed; whether it was live. */
export async function removePasskey(db: Executor, id: string, now: Date): Promise<boolean> {
  const result = await db
    .updateTable('passkeys')
    .set({ removed_at: toDbTime(now) })
    .where('id', '=', id)
    .where('removed_at', 'is', null)
    .executeTakeFirst();
  return result.numUpdatedRows === 1n;
}

/** Marks every passkey of the user removed (an operator turning the factors off); how many were live. */
export async function removeAllPasskeys(db: Executor, userId: string, now: Date): Promise<number> {
  const result = await db
    .updateTable('passkeys')
    .set({ removed_at: toDbTime(now) })
    .where('user_id', '=', userId)
    .where('removed_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

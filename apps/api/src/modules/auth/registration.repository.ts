import type { Selectable } from 'kysely';
import type { Executor, RegistrationsTable } from '../../db/schema.js';
import { toDbTime } from '../../db/time.js';

export type RegistrationRow = Selectable<RegistrationsTable>;

export async function insertRegistration(
  db: Executor,
  input: { id: string; userId: string; passwordHash: string; displayName: string; now: Date },
): Promise<void> {
  await db
    .insertInto('registrations')
    .values({
      id: input.id,
      user_id: input.userId,
      password_hash: input.passwordHash,
      display_name: input.displayName,
      created_at: toDbTime(input.now),
      activated_at: null,
      superseded_at: null,
    })
    .execute();
}

/** The newest `limit` registrations of an account that are neither activated nor superseded. */
export function pendingRegistrations(
  db: Executor,
  userId: string,
  limit: number,
): Promise<RegistrationRow[]> {
  return db
    .selectFrom('registrations')
    .selectAll()
    .where('user_id', '=', userId)
    .where('activated_at', 'is', null)
    .where('superseded_at', 'is', null)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
}

/** Marks one pending registration activated; false when it was no longer pending (a race lost). */
export async function activateRegistration(db: Executor, id: string, now: Date): Promise<boolean> {
  const result = await db
    .updateTable('registrations')
    .set({ activated_at: toDbTime(now) })
    .where('id', '=', id)
    .where('activated_at', 'is', null)
    .where('superseded_at', 'is', null)
    .executeTakeFirst();
  return result.numUpdatedRows === 1n;
}

/** Ends every still-pending registration of an account: they can never be activated afterwards. */
export async function supersedePendingRegistrations(
  db: Executor,
  userId: string,
  now: Date,
): Promise<number> {
  const result = await db
    .updateTable('registrations')
    .set({ superseded_at: toDbTime(now) })
    .where('user_id', '=', userId)
    .where('activated_at', 'is', null)
    .where('superseded_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

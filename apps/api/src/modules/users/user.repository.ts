import type { Selectable, Transaction } from 'kysely';
import { selectInChunks } from '../../db/chunks.js';
import { dialectOf } from '../../db/migrations/dialect.js';
import type { DB, Executor, UsersTable } from '../../db/schema.js';
import { selectLive } from '../../db/soft-delete.js';
import { toDbTime } from '../../db/time.js';

export type UserRow = Selectable<UsersTable>;

const USER_COLUMNS = [
  'id',
  'email',
  'email_live',
  'email_verified_at',
  'password_hash',
  'display_name',
  'created_at',
  'updated_at',
  'deleted_at',
  'notify_email',
  'presence_visible',
] as const;

export function findLiveUserByEmail(db: Executor, email: string): Promise<UserRow | undefined> {
  return selectLive(db, 'users').select(USER_COLUMNS).where('email', '=', email).executeTakeFirst();
}

export function findLiveUserById(db: Executor, id: string): Promise<UserRow | undefined> {
  return selectLive(db, 'users').select(USER_COLUMNS).where('id', '=', id).executeTakeFirst();
}

export async function insertUser(
  db: Executor,
  user: { id: string; email: string; passwordHash: string; displayName: string; now: Date },
): Promise<void> {
  const now = toDbTime(user.now);
  await db
    .insertInto('users')
    .values({
      id: user.id,
      email: user.email,
      password_hash: user.passwordHash,
      display_name: user.displayName,
      email_verified_at: null,
      created_at: now,
      updated_at: now,
      deleted_at: null,
    })
    .execute();
}

export type UserPatch = Partial<
  Pick<UserRow, 'email' | 'password_hash' | 'display_name' | 'email_verified_at'>
>;

/** Updates a live user; returns whether it existed. */
export async function updateLiveUser(
  db: Executor,
  id: string,
  patch: UserPatch,
  now: Date,
): Promise<boolean> {
  const result = await db
    .updateTable('users')
    .set({ ...patch, updated_at: toDbTime(now) })
    .where('id', '=', id)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/**
 * Gives an unverified account the password and name of the registration being activated and marks it
 * verified. Conditional on the account still being unverified, so of two racing activations exactly one
 * changes the row; returns whether this call did.
 */
export async function activateUnverifiedUser(
  db: Executor,
  id: string,
  input: { passwordHash: string; displayName: string; now: Date },
): Promise<boolean> {
  const now = toDbTime(input.now);
  const result = await db
    .updateTable('users')
    .set({
      password_hash: input.passwordHash,
      display_name: input.displayName,
      email_verified_at: now,
      updated_at: now,
    })
    .where('id', '=', id)
    .where('deleted_at', 'is', null)
    .where('email_verified_at', 'is', null)
    .executeTakeFirst();
  return result.numUpdatedRows === 1n;
}

/** Which of these ids are live accounts with a verified email (the users others may add to conversations). */
export async function verifiedUserIds(db: Executor, ids: readonly string[]): Promise<Set<string>> {
  const rows = await selectInChunks(ids, (slice) =>
    selectLive(db, 'users')
      .select('id')
      .where('id', 'in', slice)
      .where('email_verified_at', 'is not', null)
      .execute(),
  );
  return new Set(rows.map((row) => row.id));
}

/**
 * Serialises one user's capped writes inside a transaction (uploads against the quota, passkeys against
 * their cap), so two concurrent ones cannot both fit in the same room: MySQL locks the user row (counts
 * read after it see every write committed before); SQLite transactions already run one at a time.
 */
export async function lockUser(trx: Transaction<DB>, userId: string): Promise<void> {
  if (dialectOf(trx) !== 'mysql') return;
  await trx.selectFrom('users').select('id').where('id', '=', userId).forUpdate().execute();
}

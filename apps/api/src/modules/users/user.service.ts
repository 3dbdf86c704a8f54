import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import { AppError } from '../../errors.js';
import { findLiveUserByEmail, findLiveUserById, type UserRow, updateLiveUser } from './user.repository.js';

export interface UserDeps {
  readonly db: Kysely<DB>;
  readonly now: () => Date;
}

/** Renames the signed-in user; their account as it is now. */
export async function updateDisplayName(
  deps: UserDeps,
  auth: { readonly userId: string },
  displayName: string,
): Promise<UserRow> {
  await updateLiveUser(deps.db, auth.userId, { display_name: displayName }, deps.now());
  const user = await findLiveUserById(deps.db, auth.userId);
  if (!user) throw new AppError('unauthenticated', 'Sign in again');
  return user;
}

/** Finds a verified, live user by exact email, for starting a conversation. */
export async function lookupUser(deps: Pick<UserDeps, 'db'>, email: string): Promise<UserRow> {
  const user = await findLiveUserByEmail(deps.db, email);
  if (!user || user.email_verified_at === null) throw new AppError('not_found', 'No user with that email');
  return user;
}

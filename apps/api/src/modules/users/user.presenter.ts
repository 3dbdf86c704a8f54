import type { PublicUser, User } from '@parley/contract';
import { fromDbTime } from '../../db/time.js';
import type { UserRow } from './user.repository.js';

/** The signed-in user's own view. Never includes the password hash or deletion state. */
export function presentUser(row: UserRow): User {
  return {
    id: row.id,
    email: row.email,
    displayName: row.display_name,
    emailVerified: row.email_verified_at !== null,
    createdAt: fromDbTime(row.created_at),
  };
}

/** What other users may see. */
export function presentPublicUser(row: Pick<UserRow, 'id' | 'display_name'>): PublicUser {
  return { id: row.id, displayName: row.display_name };
}

import { sql } from 'kysely';
import type { AnyKysely } from './dialect.js';

/**
 * Data repair for issue 9, no schema change. Before it, deleting an account left it an active member
 * (and possibly the owner) of its groups. Now a deleted account leaves its groups and each group with
 * members has an owner, so:
 * 1. group memberships of deleted accounts end at the time of the deletion;
 * 2. every group with active members but no active owner gets one by the succession rule of that day
 *    (longest-standing admin, else longest-standing member, ties by user id; see `ensureGroupOwner`).
 * Written without the app's code so that later changes to it cannot change what this migration did.
 * Idempotent: running it again changes nothing.
 */
export async function up(db: AnyKysely): Promise<void> {
  await sql`update conversation_members
    set left_at = (select u.deleted_at from users u where u.id = conversation_members.user_id)
    where left_at is null
      and user_id in (select id from users where deleted_at is not null)
      and conversation_id in (select id from conversations where type = 'group')`.execute(db);

  const ownerless: { id: string }[] = await db
    .selectFrom('conversations as c')
    .select('c.id')
    .where('c.type', '=', 'group')
    .where(({ exists, not, selectFrom }) =>
      exists(
        selectFrom('conversation_members as m')
          .select('m.user_id')
          .whereRef('m.conversation_id', '=', 'c.id')
          .where('m.left_at', 'is', null),
      ).and(
        not(
          exists(
            selectFrom('conversation_members as o')
              .select('o.user_id')
              .whereRef('o.conversation_id', '=', 'c.id')
              .where('o.left_at', 'is', null)
              .where('o.role', '=', 'owner'),
          ),
        ),
      ),
    )
    .execute();
  for (const { id } of ownerless) {
    const heir: { user_id: string } | undefined = await db
      .selectFrom('conversation_members')
      .select('user_id')
      .where('conversation_id', '=', id)
      .where('left_at', 'is', null)
      .orderBy((eb) => eb.case().when('role', '=', 'admin').then(0).else(1).end())
      .orderBy('joined_at')
      .orderBy('user_id')
      .limit(1)
      .executeTakeFirst();
    if (!heir) continue;
    await db
      .updateTable('conversation_members')
      .set({ role: 'owner' })
      .where('conversation_id', '=', id)
      .where('user_id', '=', heir.user_id)
      .execute();
  }
}

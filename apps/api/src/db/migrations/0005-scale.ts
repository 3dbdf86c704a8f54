import { type AnyKysely, dialectOf } from './dialect.js';

/**
 * The realtime gateway walks a user's conversations in id order, a slice at a time, and the caps count a
 * user's active memberships: both read (user_id, left_at IS NULL) in conversation_id order. With the
 * conversation id in the index that is a range read with no sort, however many conversations a user has.
 * The new index starts with the old one's columns, so the old one goes (MySQL keeps the user_id foreign
 * key on the new one).
 */
export async function up(db: AnyKysely): Promise<void> {
  await db.schema
    .createIndex('conversation_members_user_conversation')
    .on('conversation_members')
    .columns(['user_id', 'left_at', 'conversation_id'])
    .execute();
  const drop = db.schema.dropIndex('conversation_members_user');
  await (dialectOf(db) === 'mysql' ? drop.on('conversation_members') : drop).execute();
}

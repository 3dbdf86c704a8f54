import type { Executor } from '../../../db/schema.js';
import { toDbTime } from '../../../db/time.js';
import { isUniqueViolation } from '../../../db/unique-violation.js';

/** Whether this sign-in's device was new to the account, and whether the account had any device before. */
export type DeviceSighting = 'known' | 'new' | 'first';

/**
 * Records that `deviceKey` signed in to `userId` now, and says whether it had been seen within the
 * window. One conditional UPDATE per case and an INSERT on the primary key, so of two concurrent first
 * sign-ins from one device exactly one reports it as new, on any number of instances.
 */
export async function recordDeviceSighting(
  db: Executor,
  input: { userId: string; deviceKey: string; now: Date; windowMs: number },
): Promise<DeviceSighting> {
  const now = toDbTime(input.now);
  const since = toDbTime(new Date(input.now.getTime() - input.windowMs));
  const seenLately = await db
    .updateTable('account_devices')
    .set({ last_seen_at: now })
    .where('user_id', '=', input.userId)
    .where('device_key', '=', input.deviceKey)
    .where('last_seen_at', '>', since)
    .executeTakeFirst();
  if (seenLately.numUpdatedRows === 1n) return 'known';
  // Seen before the window: it counts as new again (the claim is the conditional update).
  const seenLongAgo = await db
    .updateTable('account_devices')
    .set({ last_seen_at: now })
    .where('user_id', '=', input.userId)
    .where('device_key', '=', input.deviceKey)
    .where('last_seen_at', '<=', since)
    .executeTakeFirst();
  if (seenLongAgo.numUpdatedRows === 1n) return 'new';
  const other = await db
    .selectFrom('account_devices')
    .select('device_key')
    .where('user_id', '=', input.userId)
    .limit(1)
    .executeTakeFirst();
  try {
    await db
      .insertInto('account_devices')
      .values({ user_id: input.userId, device_key: input.deviceKey, first_seen_at: now, last_seen_at: now })
      .execute();
  } catch (error) {
    // Another sign-in from this device recorded it a moment ago: that one reports it.
    if (isUniqueViolation(error)) return 'known';
    throw error;
  }
  return other ? 'new' : 'first';
}

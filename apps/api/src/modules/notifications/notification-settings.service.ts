import type { NotificationSettings, UpdateNotificationSettingsBody } from '@parley/contract';
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import { toDbTime } from '../../db/time.js';
import { AppError } from '../../errors.js';
import { channels, type EventBus } from '../../platform/bus/event-bus.js';
import { InvalidLinkError, type LinkSigner } from '../../platform/secrets/link-signer.js';

export interface NotificationDeps {
  readonly db: Kysely<DB>;
  readonly bus: EventBus;
  readonly links: Pick<LinkSigner, 'verify'>;
  readonly publicUrl: URL;
  readonly now: () => Date;
  /** Shows or hides the user to co-members now (presence; called once, by the instance that saved it). */
  readonly presenceVisibilityChanged: (userId: string, visible: boolean) => Promise<void>;
}

const notSignedIn = () => new AppError('unauthenticated', 'Sign in again');

async function readSettings(db: Kysely<DB>, userId: string): Promise<NotificationSettings> {
  const row = await db
    .selectFrom('users')
    .select(['notify_email', 'presence_visible'])
    .where('id', '=', userId)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
  if (!row) throw notSignedIn();
  return { email: row.notify_email, presenceVisible: Number(row.presence_visible) === 1 };
}

export function getNotificationSettings(
  deps: Pick<NotificationDeps, 'db'>,
  userId: string,
): Promise<NotificationSettings> {
  return readSettings(deps.db, userId);
}

/**
 * Changes the given settings. A change of `presenceVisible` is applied to presence at once (co-members see
 * the user go offline, or their real status come back) and announced on the `users` channel of the bus
 * (`user_updated`) for any other listener.
 */
export async function updateNotificationSettings(
  deps: NotificationDeps,
  userId: string,
  patch: UpdateNotificationSettingsBody,
): Promise<NotificationSettings> {
  const before = await readSettings(deps.db, userId);
  const result = await deps.db
    .updateTable('users')
    .set({
      ...(patch.email === undefined ? {} : { notify_email: patch.email }),
      ...(patch.presenceVisible === undefined ? {} : { presence_visible: patch.presenceVisible ? 1 : 0 }),
      updated_at: toDbTime(deps.now()),
    })
    .where('id', '=', userId)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
  if (result.numUpdatedRows === 0n) throw notSignedIn();
  const after = await readSettings(deps.db, userId);
  if (after.presenceVisible !== before.presenceVisible) {
    await deps.presenceVisibilityChanged(userId, after.presenceVisible);
    deps.bus.publish(channels.users, {
      kind: 'user_updated',
      userId,
      presenceVisible: after.presenceVisible,
    });
  }
  return after;
}

export const invalidUnsubscribeLink = () =>
  new AppError('invalid_token', 'This unsubscribe link is invalid or expired');

/**
 * The one-click unsubscribe of a notification email: a valid link turns email notifications off for the
 * account it was made for. No sign-in; the signed, single-purpose token is the authority. Using a link
 * again, or one of a deleted account, changes nothing and still succeeds.
 */
export async function unsubscribe(deps: NotificationDeps, token: string): Promise<void> {
  let userId: string;
  try {
    userId = (await deps.links.verify('notify_unsubscribe', token)).sub;
  } catch (error) {
    if (error instanceof InvalidLinkError) throw invalidUnsubscribeLink();
    throw error;
  }
  await deps.db
    .updateTable('users')
    .set({ notify_email: 'off', updated_at: toDbTime(deps.now()) })
    .where('id', '=', userId)
    .where('deleted_at', 'is', null)
    .where('notify_email', '!=', 'off')
    .execute();
}

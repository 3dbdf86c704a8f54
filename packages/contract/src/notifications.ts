import { z } from 'zod';
import { TokenString } from './auth.js';

/** Which unread messages may send an email to someone who is away. */
export const EmailNotifySetting = z.enum(['off', 'direct_and_mentions', 'all']);
export type EmailNotifySetting = z.infer<typeof EmailNotifySetting>;

/** GET /api/me/notification-settings */
export const NotificationSettings = z.object({
  email: EmailNotifySetting,
  /** Whether others see this user online; false shows them offline to everyone. */
  presenceVisible: z.boolean(),
});
export type NotificationSettings = z.infer<typeof NotificationSettings>;

/** PATCH /api/me/notification-settings: any of the fields, nothing else. */
export const UpdateNotificationSettingsBody = z
  .strictObject({ email: EmailNotifySetting.optional(), presenceVisible: z.boolean().optional() })
  .refine((body) => body.email !== undefined || body.presenceVisible !== undefined, {
    message: 'Give at least one setting',
  });
export type UpdateNotificationSettingsBody = z.infer<typeof UpdateNotificationSettingsBody>;

/** POST /api/notifications/unsubscribe (JSON), from the emailed one-click link; no sign-in. */
export const UnsubscribeBody = z.strictObject({ token: TokenString });
export type UnsubscribeBody = z.infer<typeof UnsubscribeBody>;

/**
 * The same route as RFC 8058 one-click unsubscribe calls it: the token in the query string, the body
 * `List-Unsubscribe=One-Click` (form-encoded), which carries nothing we need.
 */
export const UnsubscribeQuery = z.strictObject({ token: TokenString.optional() });
export type UnsubscribeQuery = z.infer<typeof UnsubscribeQuery>;

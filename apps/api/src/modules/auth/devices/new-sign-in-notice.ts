import type { UserRow } from '../../users/user.repository.js';
import { type AuthDeps, linkTo } from '../auth.context.js';
import { newSignInEmail } from '../auth-emails.js';
import type { RequestOrigin } from '../auth-event.repository.js';
import { claimMailNotice } from '../mail-notice.repository.js';
import { recordDeviceSighting } from './account-device.repository.js';
import { deviceKey, userAgentFamily } from './device.js';

/**
 * After a successful sign-in: remembers the device (user agent family + /24 or /64 network) and, when the
 * account has signed in before but not from this device within NEW_DEVICE_WINDOW, emails the account a
 * notice with a link to its sessions page. The account's very first device gets none (the owner just
 * signed up, or this is the first sign-in since devices were recorded). Notices go out at most once per
 * MAIL_NOTICE_INTERVAL_SECONDS per address (`mail_notices`), so sign-ins cannot be used to flood a mailbox;
 * the device is remembered either way. Every sign-in path calls this once its session exists.
 */
export async function noticeNewSignIn(deps: AuthDeps, user: UserRow, origin: RequestOrigin): Promise<void> {
  const now = deps.now();
  const sighting = await recordDeviceSighting(deps.db, {
    userId: user.id,
    deviceKey: deviceKey(origin),
    now,
    windowMs: deps.newDeviceWindowMs,
  });
  if (sighting !== 'new') return;
  const due = await claimMailNotice(deps.db, {
    email: user.email,
    kind: 'new_sign_in',
    now,
    intervalMs: deps.mailNoticeIntervalMs,
  });
  if (!due) return;
  deps.mail.enqueue(
    newSignInEmail(
      user.email,
      { when: now, device: userAgentFamily(origin.userAgent), ip: origin.ip },
      linkTo(deps.publicUrl, 'settings/sessions'),
    ),
  );
}

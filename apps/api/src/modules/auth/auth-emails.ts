import type { MailMessage } from '../../platform/mail/mailer.js';

const escapeHtml = (value: string) =>
  value.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );

/** The `kind` of each email Parley sends (metrics label). */
export type AuthEmailKind =
  | 'verify_email'
  | 'already_registered'
  | 'reset_password'
  | 'password_changed'
  | 'email_change_link'
  | 'email_change_requested'
  | 'email_changed'
  | 'email_change_taken'
  | 'new_sign_in'
  | 'second_factor_changed'
  | 'passkey_changed';

function message(
  kind: AuthEmailKind,
  to: string,
  subject: string,
  paragraphs: string[],
  action?: { label: string; url: string },
): MailMessage {
  const text = [...paragraphs, ...(action ? [`${action.label}: ${action.url}`] : []), '— Parley'].join(
    '\n\n',
  );
  const html = [
    '<!doctype html><html><body style="font-family:system-ui,sans-serif;line-height:1.5">',
    ...paragraphs.map((p) => `<p>${escapeHtml(p)}</p>`),
    action ? `<p><a href="${escapeHtml(action.url)}">${escapeHtml(action.label)}</a></p>` : '',
    '<p>— Parley</p></body></html>',
  ].join('');
  return { kind, to, subject, text, html };
}

/** Carries no text the registrant chose: the address is not proven yet, so nobody may put words in our mail. */
export function verificationEmail(to: string, url: string): MailMessage {
  return message(
    'verify_email',
    to,
    'Confirm your email for Parley',
    [
      'Hello,',
      'Confirm your email address to finish setting up your Parley account. The link works once, for 24 hours.',
    ],
    { label: 'Confirm your email', url },
  );
}

export function alreadyRegisteredEmail(to: string, forgotUrl: string): MailMessage {
  return message(
    'already_registered',
    to,
    'Someone tried to sign up to Parley with your email',
    [
      'Someone — perhaps you — tried to create a Parley account with this email address, but you already have one.',
      'If it was you, sign in instead, or reset your password if you forgot it. If it was not you, you can ignore this email: nothing changed.',
    ],
    { label: 'Reset your password', url: forgotUrl },
  );
}

export function resetPasswordEmail(to: string, url: string): MailMessage {
  return message(
    'reset_password',
    to,
    'Reset your Parley password',
    [
      'We received a request to reset the password of your Parley account. The link works once, for 30 minutes.',
      'If you did not ask for this, ignore this email: your password stays as it is.',
    ],
    { label: 'Choose a new password', url },
  );
}

export function passwordChangedEmail(to: string, how: 'changed' | 'reset'): MailMessage {
  return message('password_changed', to, `Your Parley password was ${how}`, [
    `The password of your Parley account was just ${how}, and your other devices were signed out.`,
    'If this was not you, reset your password now and review your account.',
  ]);
}

/** What changed about the account's second factors, in the words of the notice. */
export type SecondFactorChange = 'enabled' | 'disabled' | 'disabled_by_operator';

export function secondFactorChangedEmail(to: string, change: SecondFactorChange): MailMessage {
  const paragraphs = {
    enabled: [
      'Two-step sign-in was turned on for your Parley account: signing in now also needs a code from your authenticator app (or a recovery code). Your other devices were signed out.',
      'If this was not you, reset your password now: someone else may control your account.',
    ],
    disabled: [
      'Two-step sign-in was turned off for your Parley account: signing in needs only your password now, and your recovery codes no longer work. Your other devices were signed out.',
      'If this was not you, reset your password now and turn two-step sign-in on again.',
    ],
    disabled_by_operator: [
      'At your request, a Parley operator turned two-step sign-in off for your account (authenticator app, recovery codes and passkeys) and signed out every device. Sign in with your password, then set up an authenticator app or a passkey again under Settings → Security.',
      'If you did not ask for this, reset your password now and contact us.',
    ],
  }[change];
  const subject =
    change === 'enabled'
      ? 'Two-step sign-in is on for your Parley account'
      : 'Two-step sign-in was turned off';
  return message('second_factor_changed', to, subject, paragraphs);
}

/** A passkey was added to or removed from the account. `name` is the user's own label for it. */
export function passkeyChangedEmail(to: string, change: 'added' | 'removed', name: string): MailMessage {
  const paragraphs =
    change === 'added'
      ? [
          `A passkey named “${name}” was added to your Parley account. It can sign you in on its own, or as the second step after your password.`,
          'If this was not you, remove it under Settings → Security and reset your password now.',
        ]
      : [
          `The passkey named “${name}” was removed from your Parley account and can no longer sign you in.`,
          'If this was not you, reset your password now.',
        ];
  const subject = change === 'added' ? 'A passkey was added to your Parley account' : 'A passkey was removed';
  return message('passkey_changed', to, subject, paragraphs);
}

/** To the new address: the link that moves the account there. */
export function emailChangeLinkEmail(to: string, url: string): MailMessage {
  return message(
    'email_change_link',
    to,
    'Confirm your new email for Parley',
    [
      'Hello,',
      'Someone signed in to a Parley account asked to use this address for it. Confirm to make the change. The link works once, for 1 hour.',
      'If you did not ask for this, ignore this email: nothing changes.',
    ],
    { label: 'Confirm your new email', url },
  );
}

/** To the current address, when a change is asked for: nothing has changed yet. */
export function emailChangeRequestedEmail(to: string, newEmail: string, sessionsUrl: string): MailMessage {
  return message(
    'email_change_requested',
    to,
    'Your Parley email is about to change',
    [
      `Someone signed in to your Parley account asked to change its email address to ${newEmail}. Nothing changes until a link we sent to that address is used.`,
      'If this was not you, change your password now and sign out the devices you do not recognise.',
    ],
    { label: 'Review your devices', url: sessionsUrl },
  );
}

/** To the old address, once the change is made. */
export function emailChangedEmail(to: string, newEmail: string, forgotUrl: string): MailMessage {
  return message(
    'email_changed',
    to,
    'Your Parley email was changed',
    [
      `The email address of your Parley account is now ${newEmail}, and your other devices were signed out. Emails about the account go to that address from now on.`,
      'If this was not you, contact the people who run this Parley service: whoever made the change knew your password.',
    ],
    { label: 'Reset your password', url: forgotUrl },
  );
}

/** To an address that already has an account, when someone asked to move another account there. */
export function emailChangeTakenEmail(to: string, forgotUrl: string): MailMessage {
  return message(
    'email_change_taken',
    to,
    'Someone tried to use your email for another Parley account',
    [
      'Someone signed in to another Parley account asked to change its email to this address, which already belongs to your account. Nothing changed.',
      'If it was you, sign in to this account instead, or reset its password if you forgot it.',
    ],
    { label: 'Reset your password', url: forgotUrl },
  );
}

/** A sign-in from a browser and network the account has not used lately. */
export function newSignInEmail(
  to: string,
  signIn: { when: Date; device: string; ip: string },
  sessionsUrl: string,
): MailMessage {
  return message(
    'new_sign_in',
    to,
    'New sign-in to your Parley account',
    [
      `Your Parley account was just signed in to from a device we have not seen lately: ${signIn.device}, from the address ${signIn.ip}, at ${signIn.when.toISOString().replace('T', ' ').slice(0, 16)} UTC.`,
      'If this was you, there is nothing to do. If not, sign that session out and change your password now.',
    ],
    { label: 'Review your devices', url: sessionsUrl },
  );
}

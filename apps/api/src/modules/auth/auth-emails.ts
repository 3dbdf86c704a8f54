import type { MailMessage } from '../../platform/mail/mailer.js';

const escapeHtml = (value: string) =>
  value.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );

function message(
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
  return { to, subject, text, html };
}

/** Carries no text the registrant chose: the address is not proven yet, so nobody may put words in our mail. */
export function verificationEmail(to: string, url: string): MailMessage {
  return message(
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
  return message(to, `Your Parley password was ${how}`, [
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
      'At your request, a Parley operator turned two-step sign-in off for your account and signed out every device. Sign in with your password, then set up an authenticator app again under Settings → Security.',
      'If you did not ask for this, reset your password now and contact us.',
    ],
  }[change];
  const subject =
    change === 'enabled'
      ? 'Two-step sign-in is on for your Parley account'
      : 'Two-step sign-in was turned off';
  return message(to, subject, paragraphs);
}

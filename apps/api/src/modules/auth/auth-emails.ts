import type { MailMessage } from '../../platform/mail/mailer.js';

const escapeHtml = (value: string) =>
  value.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );

/** The `kind` of each email Parley sends (metrics label). */
export type AuthEmailKind = 'verify_email' | 'already_registered' | 'reset_password' | 'password_changed';

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

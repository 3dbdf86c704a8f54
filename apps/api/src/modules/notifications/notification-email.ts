import type { MailMessage } from '../../platform/mail/mailer.js';
import { linkTo } from '../auth/auth.context.js';

/** The `kind` of the summary email (label of `parley_emails_total`). */
export const NOTIFY_EMAIL_KIND = 'notify_unread';
/** Messages quoted per conversation, and lines and characters quoted per message. */
const MESSAGES_SHOWN = 5;
const LINES_SHOWN = 3;
const LINE_CHARS = 200;

export interface SummaryConversation {
  readonly id: string;
  /** The group's title, or for a direct conversation the other person's name. */
  readonly title: string;
  readonly direct: boolean;
  readonly messages: readonly { readonly senderName: string; readonly body: string }[];
  /** True when there were more unread messages than `messages` holds (the count is then a lower bound). */
  readonly truncated: boolean;
}

const escapeHtml = (value: string) =>
  value.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );

/** Names and titles are members' words: no line breaks or control characters reach a header. */
const oneLine = (value: string) => value.replace(/[\p{Cc}\p{Zl}\p{Zp}]+/gu, ' ').trim();

/** The first lines of a message body, shortened: enough to know what it is about, not the whole text. */
export function firstLines(body: string): string[] {
  const lines = body
    .split(/\r?\n/)
    .map((line) => oneLine(line))
    .filter((line) => line.length > 0);
  const shown = lines
    .slice(0, LINES_SHOWN)
    .map((line) => ([...line].length > LINE_CHARS ? `${[...line].slice(0, LINE_CHARS).join('')}…` : line));
  if (lines.length > LINES_SHOWN) shown.push('…');
  // A message of attachments only has no text to quote.
  return shown.length > 0 ? shown : ['(attachment)'];
}

export function conversationUrl(publicUrl: URL, conversationId: string): string {
  return linkTo(publicUrl, `conversations/${encodeURIComponent(conversationId)}`);
}

/** Where mail clients post the one-click unsubscribe (RFC 8058), and where a browser lands from it. */
export function unsubscribeApiUrl(publicUrl: URL, token: string): string {
  return linkTo(publicUrl, 'api/notifications/unsubscribe', token);
}

export function unsubscribePageUrl(publicUrl: URL, token: string): string {
  return linkTo(publicUrl, 'unsubscribe', token);
}

/**
 * One summary email about unread messages of one or more conversations, in plain text and HTML (every
 * member-written string escaped), with RFC 2369/8058 one-click unsubscribe headers.
 */
export function summaryEmail(input: {
  to: string;
  publicUrl: URL;
  unsubscribeToken: string;
  conversations: readonly SummaryConversation[];
}): MailMessage {
  const { publicUrl, conversations } = input;
  const first = conversations[0];
  const subject =
    conversations.length === 1 && first
      ? first.direct
        ? `New message from ${oneLine(first.title)} on Parley`
        : `New messages in ${oneLine(first.title)} on Parley`
      : `New messages in ${conversations.length} conversations on Parley`;
  const settingsUrl = linkTo(publicUrl, 'settings/notifications');
  const pageUrl = unsubscribePageUrl(publicUrl, input.unsubscribeToken);

  const text: string[] = ['You have unread messages on Parley.', ''];
  const html: string[] = [
    '<!doctype html><html><body style="font-family:system-ui,sans-serif;line-height:1.5">',
    '<p>You have unread messages on Parley.</p>',
  ];
  for (const conversation of conversations) {
    const url = conversationUrl(publicUrl, conversation.id);
    const heading = conversation.direct
      ? oneLine(conversation.title)
      : `${oneLine(conversation.title)} (group)`;
    text.push(heading);
    html.push(`<h2 style="font-size:1.1em;margin-bottom:.25em">${escapeHtml(heading)}</h2>`);
    for (const message of conversation.messages.slice(0, MESSAGES_SHOWN)) {
      const lines = firstLines(message.body);
      const sender = oneLine(message.senderName);
      text.push(`  ${sender}: ${lines.join('\n    ')}`);
      html.push(
        `<p style="margin:.25em 0"><strong>${escapeHtml(sender)}:</strong> ${lines.map(escapeHtml).join('<br>')}</p>`,
      );
    }
    const more = Math.max(0, conversation.messages.length - MESSAGES_SHOWN);
    if (more > 0 || conversation.truncated) {
      const count = conversation.truncated ? `${more}+` : String(more);
      const line = count === '1' ? 'and 1 more message' : `and ${count} more messages`;
      text.push(`  …${line}`);
      html.push(`<p style="margin:.25em 0">…${escapeHtml(line)}</p>`);
    }
    text.push(`  Open the conversation: ${url}`, '');
    html.push(`<p><a href="${escapeHtml(url)}">Open the conversation</a></p>`);
  }
  text.push(
    'You get this email because you were away when these messages arrived.',
    `Change which messages email you: ${settingsUrl}`,
    `Stop these emails: ${pageUrl}`,
    '',
    '— Parley',
  );
  html.push(
    '<p style="color:#555;font-size:.9em">You get this email because you were away when these messages arrived. ',
    `<a href="${escapeHtml(settingsUrl)}">Change which messages email you</a> or `,
    `<a href="${escapeHtml(pageUrl)}">stop these emails</a>.</p>`,
    '<p>— Parley</p></body></html>',
  );
  return {
    kind: NOTIFY_EMAIL_KIND,
    to: input.to,
    subject,
    text: text.join('\n'),
    html: html.join(''),
    headers: {
      'List-Unsubscribe': `<${unsubscribeApiUrl(publicUrl, input.unsubscribeToken)}>`,
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
    },
  };
}

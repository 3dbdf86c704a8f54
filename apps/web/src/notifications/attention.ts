import type { Conversation, Message } from '@parley/contract';
import { conversationName, memberName } from '../messaging/names.js';

/**
 * What draws the user back to the tab, as pure functions: the unread total in the tab title, a badge on
 * the favicon, and which new messages become a desktop notification.
 */

/** Unread messages across the conversations this tab knows, except those the user muted. */
export function unreadTotal(conversations: Readonly<Record<string, Conversation>>): number {
  let total = 0;
  for (const conversation of Object.values(conversations)) {
    if (!conversation.muted) total += conversation.unreadCount;
  }
  return total;
}

const COUNT_PREFIX = /^\(\d+\+?\) /;

/** The page's title with `(N) ` in front when N messages are unread (any older count replaced). */
export function titleWithCount(title: string, unread: number): string {
  const bare = title.replace(COUNT_PREFIX, '');
  if (unread <= 0) return bare;
  return `(${unread > 999 ? '999+' : unread}) ${bare}`;
}

/**
 * The favicon (an SVG document) with a red badge in its top right corner showing the unread count (9+
 * beyond nine), as a `data:` URL: the CSP's `img-src` allows `data:`, and nothing is fetched or run.
 * The icon unchanged when nothing is unread or it is not an SVG document.
 */
export function badgedIcon(svg: string, unread: number): string {
  const end = svg.lastIndexOf('</svg>');
  if (unread <= 0 || end < 0) return `data:image/svg+xml,${encodeURIComponent(svg)}`;
  const label = unread > 9 ? '9+' : String(unread);
  const badge =
    '<circle cx="23" cy="9" r="9" fill="#c62828" stroke="#fff" stroke-width="1.5"/>' +
    `<text x="23" y="13" text-anchor="middle" font-family="Arial,sans-serif" font-weight="700" font-size="${label.length > 1 ? 10 : 12}" fill="#fff">${label}</text>`;
  return `data:image/svg+xml,${encodeURIComponent(`${svg.slice(0, end)}${badge}${svg.slice(end)}`)}`;
}

/** What a desktop notification says, and its tag (one per conversation: a newer one replaces it). */
export interface NotificationContent {
  readonly title: string;
  readonly body: string;
  readonly tag: string;
}

const MAX_BODY = 140;

/** The first line of a message for a notification, or what it carries when it has no text. */
function firstLine(message: Message): string {
  const line =
    message.body
      .split(/\r?\n/u)
      .find((part) => part.trim() !== '')
      ?.trim() ?? '';
  if (line) return line.length > MAX_BODY ? `${line.slice(0, MAX_BODY - 1)}…` : line;
  const count = message.attachments.length;
  return count === 1 ? 'Sent an attachment' : `Sent ${count} attachments`;
}

/**
 * The desktop notification for a new message, or undefined when it does not deserve one: only a direct
 * message or a mention of the user, never the user's own, a deleted one, a timeline line or one in a
 * conversation the user muted. (Whether the tab is hidden
 * and the user opted in is the caller's question.)
 */
export function notificationFor(
  conversation: Conversation,
  message: Message,
  me: string,
): NotificationContent | undefined {
  if (message.senderId === me || message.deletedAt !== null) return undefined;
  if (conversation.muted || message.kind === 'system') return undefined;
  const mentioned = message.mentionIds.includes(me);
  if (conversation.type !== 'direct' && !mentioned) return undefined;
  const sender = memberName(conversation, message.senderId, me);
  const title =
    conversation.type === 'direct'
      ? sender
      : `${sender} mentioned you in ${conversationName(conversation, me)}`;
  return { title, body: firstLine(message), tag: `parley-${conversation.id}` };
}

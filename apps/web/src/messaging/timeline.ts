import type { Message } from '@parley/contract';

/** Consecutive messages of one sender closer than this share one header (name and time). */
export const GROUP_WINDOW_MS = 5 * 60 * 1000;

/** One line of a conversation's history as shown. */
export type TimelineItem =
  | { kind: 'day'; key: string; date: Date }
  | { kind: 'unread'; key: 'unread' }
  /** `continued`: the same sender as the message just before, within GROUP_WINDOW_MS (no header). */
  | { kind: 'message'; key: string; message: Message; continued: boolean }
  /** Newer messages after this seq are not loaded (a hole): the view offers to load them. */
  | { kind: 'gap'; key: string; after: number };

export interface TimelineOptions {
  /**
   * Your read marker when the conversation was opened: a "New messages" divider goes before the first
   * message from someone else after it, once the message right after the marker is held. Undefined: none.
   */
  unreadAfter?: number | undefined;
  /** Seqs after which newer messages are knowingly not loaded (Thread.holes). */
  holes?: readonly number[] | undefined;
  me: string;
}

/** The local calendar day of a date, as a sortable key (YYYY-MM-DD). */
export function dayKey(date: Date): string {
  const month = String(date.getMonth() + 1).padStart(2, '0');
  const day = String(date.getDate()).padStart(2, '0');
  return `${date.getFullYear()}-${month}-${day}`;
}

/**
 * The history as lines: a date separator before each new local day, the "New messages" divider, and each
 * message marked `continued` when it follows one of the same sender within five minutes with nothing
 * (a day, the divider, a hole) in between.
 */
export function buildTimeline(messages: readonly Message[], options: TimelineOptions): TimelineItem[] {
  const holes = new Set(options.holes ?? []);
  const items: TimelineItem[] = [];
  let previous: Message | undefined;
  let lastDay: string | undefined;
  // Only where it is known to be right: when the first unread message is held (older pages may still be
  // loading), not before whatever message happens to be the oldest held.
  const firstHeld = messages[0]?.seq;
  let dividerPlaced =
    options.unreadAfter === undefined || firstHeld === undefined || firstHeld > options.unreadAfter + 1;
  for (const message of messages) {
    const created = new Date(message.createdAt);
    const day = dayKey(created);
    let breaks = previous === undefined;
    if (day !== lastDay) {
      items.push({ kind: 'day', key: `day-${day}`, date: created });
      lastDay = day;
      breaks = true;
    }
    if (
      !dividerPlaced &&
      message.seq > (options.unreadAfter ?? Number.POSITIVE_INFINITY) &&
      message.senderId !== options.me &&
      message.kind !== 'system'
    ) {
      items.push({ kind: 'unread', key: 'unread' });
      dividerPlaced = true;
      breaks = true;
    }
    const gap = previous ? created.getTime() - new Date(previous.createdAt).getTime() : Number.NaN;
    const continued =
      !breaks &&
      previous !== undefined &&
      // Timeline lines ("Ada added Cyd") stand alone and end a group.
      previous.kind !== 'system' &&
      message.kind !== 'system' &&
      previous.senderId === message.senderId &&
      gap >= 0 &&
      gap < GROUP_WINDOW_MS;
    items.push({ kind: 'message', key: message.id, message, continued });
    previous = message;
    if (holes.has(message.seq)) {
      items.push({ kind: 'gap', key: `gap-${message.seq}`, after: message.seq });
      // What follows a hole is not known to follow this message: it starts a new group.
      previous = undefined;
    }
  }
  return items;
}

/** Whether `date` falls on another local day than the last message (for a separator before pending ones). */
export function isNewDay(messages: readonly Message[], date: Date): boolean {
  const last = messages.at(-1);
  return !last || dayKey(new Date(last.createdAt)) !== dayKey(date);
}

function calendarDays(date: Date): number {
  return Date.UTC(date.getFullYear(), date.getMonth(), date.getDate()) / 86_400_000;
}

/**
 * A date separator's words in the reader's language: "Today", "Yesterday" (as Intl words them), else the
 * weekday and date, with the year when it is not this year.
 */
export function dayLabel(date: Date, now: Date, locale?: string): string {
  const ago = calendarDays(now) - calendarDays(date);
  if (ago === 0 || ago === 1) {
    const words = new Intl.RelativeTimeFormat(locale, { numeric: 'auto' }).format(-ago, 'day');
    return words.charAt(0).toLocaleUpperCase(locale) + words.slice(1);
  }
  return new Intl.DateTimeFormat(locale, {
    weekday: 'long',
    day: 'numeric',
    month: 'long',
    ...(date.getFullYear() === now.getFullYear() ? {} : { year: 'numeric' }),
  }).format(date);
}

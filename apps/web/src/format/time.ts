const absolute = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const relative = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });

const STEPS: ReadonlyArray<readonly [Intl.RelativeTimeFormatUnit, number]> = [
  ['minute', 60],
  ['hour', 60 * 60],
  ['day', 24 * 60 * 60],
];

/** "3 minutes ago", "yesterday"; under a minute is "just now"; older than a week, the date. */
export function timeAgo(iso: string, now = Date.now()): string {
  const seconds = Math.round((new Date(iso).getTime() - now) / 1000);
  if (Math.abs(seconds) < 60) return 'just now';
  if (Math.abs(seconds) >= 7 * 24 * 60 * 60) return absolute.format(new Date(iso));
  let unit: Intl.RelativeTimeFormatUnit = 'minute';
  let size = 60;
  for (const [name, span] of STEPS) {
    if (Math.abs(seconds) >= span) {
      unit = name;
      size = span;
    }
  }
  return relative.format(Math.round(seconds / size), unit);
}

export const formatDateTime = (iso: string): string => absolute.format(new Date(iso));

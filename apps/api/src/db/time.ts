import type { DbTime } from './schema.js';

/** UTC `YYYY-MM-DD HH:MM:SS.mmm`: the one time format stored in both MySQL and SQLite. */
export function toDbTime(date: Date): DbTime {
  return date.toISOString().replace('T', ' ').replace('Z', '');
}

/** The stored format back to ISO 8601 UTC, as the API returns times. */
export function fromDbTime(value: DbTime): string {
  return `${value.replace(' ', 'T')}Z`;
}

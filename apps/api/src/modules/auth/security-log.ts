import type { SecurityEvent } from '@parley/contract';
import { z } from 'zod';
import { fromDbTime } from '../../db/time.js';
import { validationError } from '../../errors.js';
import type { AuthDeps } from './auth.context.js';
import { type AuthEventRow, type EventPosition, listUserAuthEvents } from './auth-event.repository.js';

const VERSION = 'e1';
const DB_TIME = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3}$/;
const Payload = z.tuple([
  z.literal(VERSION),
  z.string().regex(DB_TIME),
  z.string().regex(/^[A-Za-z0-9_-]{1,32}$/),
]);

/**
 * The `nextCursor` of a security-log page: where it ended (time and id), base64url so clients treat it
 * as opaque. It carries no authority: a page only ever lists the caller's own events, wherever it starts.
 */
function encodeCursor(position: EventPosition): string {
  return Buffer.from(JSON.stringify([VERSION, position.createdAt, position.id]), 'utf8').toString(
    'base64url',
  );
}

function decodeCursor(cursor: string): EventPosition {
  let parsed: unknown;
  try {
    const text = Buffer.from(cursor, 'base64url').toString('utf8');
    if (Buffer.from(text, 'utf8').toString('base64url') !== cursor) throw new Error('not canonical');
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  const result = Payload.safeParse(parsed);
  if (!result.success) throw validationError('querystring.cursor', 'is not a cursor from this API');
  const [, createdAt, id] = result.data;
  return { createdAt, id };
}

function presentEvent(row: AuthEventRow): SecurityEvent {
  return {
    id: row.id,
    type: row.type,
    createdAt: fromDbTime(row.created_at),
    ip: row.ip,
    userAgent: row.user_agent,
  };
}

/**
 * One page of the signed-in user's security log (`auth_events`): sign-ins and failed attempts, password
 * changes and resets, email changes, session ends, and whatever else the audit trail records for the
 * account, newest first, with time, IP address and user agent.
 */
export async function securityLogPage(
  deps: Pick<AuthDeps, 'db'>,
  userId: string,
  page: { cursor?: string | undefined; limit: number },
): Promise<{ events: SecurityEvent[]; nextCursor: string | null }> {
  const before = page.cursor === undefined ? undefined : decodeCursor(page.cursor);
  // One row more than asked says whether another page follows.
  const rows = await listUserAuthEvents(deps.db, { userId, before, limit: page.limit + 1 });
  const shown = rows.slice(0, page.limit);
  const last = shown.at(-1);
  return {
    events: shown.map(presentEvent),
    nextCursor:
      rows.length > page.limit && last ? encodeCursor({ createdAt: last.created_at, id: last.id }) : null,
  };
}

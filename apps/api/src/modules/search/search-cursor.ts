import { Id } from '@parley/contract';
import { z } from 'zod';
import type { DbTime } from '../../db/schema.js';
import { validationError } from '../../errors.js';

/** Where a page of search results ended: results are ordered by these, newest first. */
export interface SearchPosition {
  readonly createdAt: DbTime;
  readonly conversationId: string;
  readonly seq: number;
}

const VERSION = 's1';
const DB_TIME = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3}$/;

const Payload = z.tuple([
  z.literal(VERSION),
  z
    .string()
    .regex(DB_TIME)
    .refine((value) => !Number.isNaN(Date.parse(`${value.replace(' ', 'T')}Z`))),
  Id,
  z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
]);

/**
 * The `nextCursor` of a search page: the last result's position, base64url so clients treat it as
 * opaque. It carries no authority (the next page is searched among the caller's conversations as they
 * are then), so it needs no signature; anything that does not decode to a position is refused.
 */
export function encodeSearchCursor(position: SearchPosition): string {
  return Buffer.from(
    JSON.stringify([VERSION, position.createdAt, position.conversationId, position.seq]),
    'utf8',
  ).toString('base64url');
}

/** The position in a cursor, or a 400 `validation_failed` on `querystring.cursor`. */
export function decodeSearchCursor(cursor: string): SearchPosition {
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
  const [, createdAt, conversationId, seq] = result.data;
  return { createdAt, conversationId, seq };
}

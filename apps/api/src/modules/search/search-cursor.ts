import { Id } from '@parley/contract';
import { z } from 'zod';
import type { DbTime } from '../../db/schema.js';
import { validationError } from '../../errors.js';

/**
 * Where a page of search results ended: results are ordered by these, newest first. An empty
 * `conversationId` (and seq 0) stands before every message of `createdAt`: where a scan stopped.
 */
export interface SearchPosition {
  readonly createdAt: DbTime;
  readonly conversationId: string;
  readonly seq: number;
}

const VERSION = 's1';
const DB_TIME = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3}$/;

const Time = z
  .string()
  .regex(DB_TIME)
  .refine((value) => !Number.isNaN(Date.parse(`${value.replace(' ', 'T')}Z`)));
/** After a result: its time, conversation and seq. After a scan that stopped early: its horizon time. */
const Payload = z.union([
  z.tuple([z.literal(VERSION), Time, Id, z.number().int().min(1).max(Number.MAX_SAFE_INTEGER)]),
  z.tuple([z.literal(VERSION), Time]),
]);

/**
 * The `nextCursor` of a search page: the last result's position (or where the scan stopped), base64url so clients treat it as
 * opaque. It carries no authority (the next page is searched among the caller's conversations as they
 * are then), so it needs no signature; anything that does not decode to a position is refused.
 */
export function encodeSearchCursor(position: SearchPosition): string {
  const payload =
    position.conversationId === ''
      ? [VERSION, position.createdAt]
      : [VERSION, position.createdAt, position.conversationId, position.seq];
  return Buffer.from(JSON.stringify(payload), 'utf8').toString('base64url');
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
  const [, createdAt, conversationId = '', seq = 0] = result.data;
  return { createdAt, conversationId, seq };
}

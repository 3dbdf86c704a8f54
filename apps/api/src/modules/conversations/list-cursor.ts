import { Id } from '@parley/contract';
import { z } from 'zod';
import { validationError } from '../../errors.js';
import type { ActivityPosition } from './conversation.repository.js';

const VERSION = 'c1';
const DB_TIME = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3}$/;

const Payload = z.tuple([
  z.literal(VERSION),
  z
    .string()
    .regex(DB_TIME)
    .refine((value) => !Number.isNaN(Date.parse(`${value.replace(' ', 'T')}Z`))),
  Id,
]);

/**
 * The `nextCursor` of a conversation page: where the page ended (activity time and id), base64url so
 * clients treat it as opaque. It carries no authority: it only says where to resume among the caller's
 * own conversations, so it needs no signature; anything that does not decode to a position is refused.
 */
export function encodeListCursor(position: ActivityPosition): string {
  return Buffer.from(JSON.stringify([VERSION, position.updatedAt, position.id]), 'utf8').toString(
    'base64url',
  );
}

/** The position in a cursor, or a 400 `validation_failed` on `querystring.cursor` (as the schema check names it). */
export function decodeListCursor(cursor: string): ActivityPosition {
  let parsed: unknown;
  try {
    const text = Buffer.from(cursor, 'base64url').toString('utf8');
    // Buffer decoding skips characters it does not understand; a cursor must round-trip exactly.
    if (Buffer.from(text, 'utf8').toString('base64url') !== cursor) throw new Error('not canonical');
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  const result = Payload.safeParse(parsed);
  if (!result.success) {
    throw validationError('querystring.cursor', 'is not a cursor from this API');
  }
  const [, updatedAt, id] = result.data;
  return { updatedAt, id };
}

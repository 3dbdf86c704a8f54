import { describe, expect, it } from 'vitest';
import { newId, newMessageId } from '../src/ids.js';

/** Ids (src/ids.ts): random ones (128 bits, base64url) and message ids (time, then 80 random bits). */
describe('newId', () => {
  it('gives 22-character base64url ids that never repeat, across many refills of the pool', () => {
    const ids = Array.from({ length: 256 * 40 + 7 }, () => newId());
    for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('uses all 128 bits: every one of the 16 bytes varies', () => {
    const decoded = Array.from({ length: 512 }, () => Buffer.from(newId(), 'base64url'));
    for (const bytes of decoded) expect(bytes.length).toBe(16);
    for (let position = 0; position < 16; position += 1) {
      expect(new Set(decoded.map((bytes) => bytes[position])).size).toBeGreaterThan(100);
    }
  });
});

describe('newMessageId', () => {
  const CROCKFORD = /^[0-9A-HJKMNP-TV-Z]{26}$/;

  it('is a ULID: 26 Crockford base32 characters whose first 10 spell the time in ms', () => {
    const at = Date.UTC(2026, 11, 1, 6, 30, 0, 123);
    const id = newMessageId(at);
    expect(id).toMatch(CROCKFORD);
    const alphabet = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
    const time = [...id.slice(0, 10)].reduce((sum, char) => sum * 32 + alphabet.indexOf(char), 0);
    expect(time).toBe(at);
  });

  it('sorts by creation time as plain strings (the binary collation), and never repeats within a millisecond', () => {
    const start = Date.UTC(2026, 0, 1);
    const times = [start, start + 1, start + 31, start + 32, start + 1_000, start + 86_400_000, start + 1e11];
    const ids = times.map((time) => newMessageId(time));
    expect([...ids].sort()).toEqual(ids);
    const sameMs = Array.from({ length: 5_000 }, () => newMessageId(start));
    for (const id of sameMs) expect(id).toMatch(CROCKFORD);
    expect(new Set(sameMs).size).toBe(sameMs.length);
    // Every one of the 16 random characters varies.
    for (let position = 10; position < 26; position += 1) {
      expect(new Set(sameMs.map((id) => id[position])).size).toBe(32);
    }
  });
});

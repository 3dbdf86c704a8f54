import { describe, expect, it } from 'vitest';
import { newId } from '../src/ids.js';

/** Ids (src/ids.ts): 128 random bits each, base64url, drawn from a pool refilled every 256 ids. */
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

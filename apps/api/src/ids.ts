import { randomFillSync } from 'node:crypto';

/**
 * Random bytes for ids, drawn from one fill of a pool at a time (as Node's own `randomUUID` keeps a batch
 * of entropy): one `randomFillSync` per 4 KB instead of one `randomBytes` call per id, which was 4–5 % of
 * the server's CPU on the message write path (one id per message). Each byte is used once.
 */
const pool = Buffer.alloc(4096);
let next = pool.length;

/** The offset of `count` fresh random bytes in `pool`. */
function take(count: number): number {
  if (next + count > pool.length) {
    randomFillSync(pool);
    next = 0;
  }
  const at = next;
  next += count;
  return at;
}

/** A new opaque id: 128 random bits, base64url (22 characters). Not guessable, not sequential. */
export function newId(): string {
  const at = take(16);
  return pool.toString('base64url', at, at + 16);
}

/** Crockford's base32, in ASCII order: strings of it sort as the numbers they spell. */
const BASE32 = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/**
 * A message id, in the ULID layout: the creation time (ms, 10 base32 characters) then 80 random bits (16
 * characters), 26 characters that sort by creation time under the binary collation. Messages are the
 * table written most, and its primary key is InnoDB's clustered index: with random ids every insert lands
 * on a random page of it (more pages dirtied and flushed per message), with these at its right edge.
 * Measured (docs/performance.md): MariaDB CPU per message 84–90 → 64–67 µs. Ids stay unguessable enough
 * for what they are (an id is never a credential; reading a message needs membership); their time is the
 * message's `createdAt`, which every reader sees anyway.
 */
export function newMessageId(now: number = Date.now()): string {
  let time = '';
  for (let rest = Math.floor(now), i = 0; i < 10; i += 1) {
    time = BASE32[rest % 32] + time;
    rest = Math.floor(rest / 32);
  }
  const at = take(10);
  let random = '';
  let bits = 0;
  let value = 0;
  for (let i = at; i < at + 10; i += 1) {
    value = (value << 8) | (pool[i] ?? 0);
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      random += BASE32[(value >> bits) & 31];
    }
    value &= (1 << bits) - 1;
  }
  return time + random;
}

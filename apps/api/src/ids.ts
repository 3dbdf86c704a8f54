import { randomFillSync } from 'node:crypto';

/** Ids drawn from one fill of the random pool (as Node's own `randomUUID` keeps a batch of entropy). */
const IDS_PER_FILL = 256;
const ID_BYTES = 16;
const pool = Buffer.alloc(IDS_PER_FILL * ID_BYTES);
let next = pool.length;

/**
 * A new opaque id: 128 random bits, base64url (22 characters). Not guessable, not sequential. The bits
 * come from the CSPRNG a pool at a time (one `randomFillSync` per 256 ids instead of one `randomBytes`
 * per id: that call was 4–5 % of the server's CPU on the message write path, one id per message); each
 * slice of the pool is used once.
 */
export function newId(): string {
  if (next >= pool.length) {
    randomFillSync(pool);
    next = 0;
  }
  const id = pool.toString('base64url', next, next + ID_BYTES);
  next += ID_BYTES;
  return id;
}

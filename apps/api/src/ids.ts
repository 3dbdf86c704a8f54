import { randomBytes } from 'node:crypto';

/** A new opaque id: 128 random bits, base64url (22 characters). Not guessable, not sequential. */
export function newId(): string {
  return randomBytes(16).toString('base64url');
}

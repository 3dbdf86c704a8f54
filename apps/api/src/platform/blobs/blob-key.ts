import { randomBytes } from 'node:crypto';

/** 32 random bytes in base64url: exactly 43 characters of [A-Za-z0-9_-]. */
const BLOB_KEY = /^[A-Za-z0-9_-]{43}$/;

/** A new storage key: random, so it says nothing about the file or who sent it and cannot be guessed. */
export function newBlobKey(): string {
  return randomBytes(32).toString('base64url');
}

/** True for keys newBlobKey() could have made; anything else (a path, `..`, a slash) is never looked up. */
export function isBlobKey(key: string): boolean {
  return BLOB_KEY.test(key);
}

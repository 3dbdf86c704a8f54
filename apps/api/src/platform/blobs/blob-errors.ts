/**
 * What the blob adapters and body streams fail with. They know nothing of HTTP: the one error plugin
 * (plugins/errors.plugin.ts) maps each to the contract's code and status.
 */

/** Any of the errors below: the body's or the store's own answer, as opposed to an I/O failure. */
export abstract class BlobError extends Error {}

/** More than `maxBytes` arrived; counted while streaming, so nothing past the limit was stored. → 413 */
export class BlobTooLargeError extends BlobError {
  constructor(readonly maxBytes: number) {
    super(`the body is larger than ${maxBytes} bytes`);
    this.name = 'BlobTooLargeError';
  }
}

/** A body that made too little progress: fewer than `minBytes` in a window of `windowMs`. → 408, connection closed */
export class BlobTooSlowError extends BlobError {
  constructor(
    readonly windowMs: number,
    readonly minBytes: number,
  ) {
    super(`The upload was too slow: fewer than ${minBytes} bytes arrived in ${windowMs / 1000} s`);
    this.name = 'BlobTooSlowError';
  }
}

/** No blob under this key (never stored, deleted, or not a key at all). → 404 */
export class BlobNotFoundError extends BlobError {
  constructor() {
    super('blob not found');
    this.name = 'BlobNotFoundError';
  }
}

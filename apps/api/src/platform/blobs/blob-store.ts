import type { Readable } from 'node:stream';

/** What put() stored: the key to keep (in the database) and facts about the bytes. */
export interface StoredBlob {
  /** 32 random bytes, base64url (43 characters); never derived from the upload. */
  key: string;
  size: number;
  /** Hex SHA-256 of the stored bytes. */
  sha256: string;
}

/**
 * Attachment bytes. Two implementations: a local folder (the default) and S3; `blobs.contract.test.ts`
 * runs the same suite against both.
 *
 * There is no delete: nothing in Parley removes data (soft delete everywhere), and the app's S3 role
 * is not granted s3:DeleteObject.
 */
export interface BlobStore {
  /** Streams `body` to storage under a new random key (prefix + 32 random bytes base64url), never buffering it whole.
   *  Aborts and stores nothing (no partial object left visible) when more than maxBytes arrive: rejects with AppError('payload_too_large'). */
  put(body: Readable, options: { contentType: string; maxBytes: number }): Promise<StoredBlob>;
  /** Reads a stored blob; rejects with AppError('not_found') for an unknown key. */
  get(key: string): Promise<{ body: Readable; size: number; contentType: string }>;
  close(): Promise<void>;
}

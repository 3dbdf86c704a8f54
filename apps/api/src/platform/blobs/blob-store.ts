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
 * Rows are never removed (soft delete everywhere), but bytes are: the orphan-upload sweeper deletes
 * the blobs of uploads no message used, and an upload refused after storing (over a quota) is removed.
 */
export interface BlobStore {
  /** Streams `body` to storage under a new random key (prefix + 32 random bytes base64url), never buffering it whole.
   *  Aborts and stores nothing (no partial object left visible) when more than maxBytes arrive: rejects with BlobTooLargeError. */
  put(body: Readable, options: { contentType: string; maxBytes: number }): Promise<StoredBlob>;
  /** Reads a stored blob; rejects with BlobNotFoundError for an unknown key. */
  get(key: string): Promise<{ body: Readable; size: number; contentType: string }>;
  /** Removes a blob so get() answers not_found. Idempotent: an unknown (or malformed) key is already gone. */
  delete(key: string): Promise<void>;
  close(): Promise<void>;
}

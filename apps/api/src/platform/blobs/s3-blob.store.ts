import type { Readable } from 'node:stream';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  NoSuchKey,
  type S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { BlobError, BlobNotFoundError } from './blob-errors.js';
import { isBlobKey, newBlobKey } from './blob-key.js';
import { meterBody } from './blob-meter.js';
import type { BlobStore, StoredBlob } from './blob-store.js';

export interface S3BlobStoreOptions {
  bucket: string;
  /** Prepended to every key: '' or ending in '/' (parseBlobStoreUrl makes it so). */
  prefix: string;
  /** Owned by the caller: close() leaves it open, since one client may serve several adapters. */
  client: S3Client;
  /**
   * Server-side encryption asked for on each upload.
   * @default undefined: no header, so the bucket's default encryption applies. That is right for
   * Parley's bucket (SSE-KMS with its own customer managed key and a bucket key): 'AES256' would
   * downgrade each object to SSE-S3, and 'aws:kms' without `kmsKeyId` would use the account's AWS
   * managed aws/s3 key instead of the bucket's. Set them only for a bucket without default encryption.
   */
  serverSideEncryption?: 'AES256' | 'aws:kms';
  /** KMS key for 'aws:kms'. @default the bucket's default key (see above) */
  kmsKeyId?: string;
  /** Parts uploaded at once; memory per upload is about queueSize × 5 MiB. @default 2 */
  queueSize?: number;
}

function isNoSuchKey(error: unknown): boolean {
  return (
    error instanceof NoSuchKey ||
    (error instanceof S3ServiceException &&
      (error.name === 'NoSuchKey' || error.$metadata.httpStatusCode === 404))
  );
}

/**
 * Blobs in an S3 bucket under `prefix`, streamed both ways: uploads go through lib-storage's Upload
 * (one PutObject when the body fits in one 5 MiB part, else a multipart upload holding at most
 * `queueSize` parts in memory), downloads are GetObject's response stream.
 *
 * A body over maxBytes makes the metered stream fail before its last part is read, so no object is ever
 * completed, and Upload aborts the multipart upload it began (its parts are deleted). Should that abort
 * call itself fail, the bucket's lifecycle rule for incomplete multipart uploads is the backstop.
 * The app's role needs s3:ListBucket on the prefix, or S3 answers a missing key with 403 rather than 404.
 */
export function createS3BlobStore(options: S3BlobStoreOptions): BlobStore {
  const { bucket, prefix, client } = options;
  if (prefix !== '' && !prefix.endsWith('/'))
    throw new Error('S3 blob store prefix must be empty or end with /');
  const encryption = {
    ...(options.serverSideEncryption ? { ServerSideEncryption: options.serverSideEncryption } : {}),
    ...(options.kmsKeyId ? { SSEKMSKeyId: options.kmsKeyId } : {}),
  };

  return {
    async put(body, { contentType, maxBytes }): Promise<StoredBlob> {
      const key = newBlobKey();
      const meter = meterBody(body, maxBytes);
      const upload = new Upload({
        client,
        queueSize: options.queueSize ?? 2,
        leavePartsOnError: false,
        params: { Bucket: bucket, Key: prefix + key, Body: meter, ContentType: contentType, ...encryption },
      });
      try {
        await upload.done();
      } catch (error) {
        meter.destroy();
        // Over the limit (or too slow), the meter's error is the answer, even if S3 reported something else meanwhile.
        if (meter.errored instanceof BlobError) throw meter.errored;
        throw error;
      }
      return { key, size: meter.bytes, sha256: meter.sha256() };
    },

    async get(key) {
      if (!isBlobKey(key)) throw new BlobNotFoundError();
      try {
        const object = await client.send(new GetObjectCommand({ Bucket: bucket, Key: prefix + key }));
        const body = object.Body as Readable | undefined;
        if (!body || typeof body.pipe !== 'function') throw new Error('S3 GetObject returned no stream');
        return {
          body,
          size: object.ContentLength ?? 0,
          contentType: object.ContentType ?? 'application/octet-stream',
        };
      } catch (error) {
        if (isNoSuchKey(error)) throw new BlobNotFoundError();
        throw error;
      }
    },

    async delete(key) {
      if (!isBlobKey(key)) return;
      // S3 answers 204 for a key that does not exist, so a repeated delete succeeds. In a versioned
      // bucket this adds a delete marker; the bucket's lifecycle rule expires the old version.
      await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: prefix + key }));
    },

    async close() {},
  };
}

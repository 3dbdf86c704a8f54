import { CreateMultipartUploadCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type S3Server, startS3 } from '../../../../../scripts/services/s3.js';
import { BlobNotFoundError, BlobTooLargeError } from '../../../src/platform/blobs/blob-errors.js';
import { createS3BlobStore } from '../../../src/platform/blobs/s3-blob.store.js';
import { bytes, chunked, MiB } from './blob-test-helpers.js';

interface Sent {
  command: string;
  input: Record<string, unknown>;
}

/** A client for the server that records every command it sends, with its input. */
function recordingClient(s3: S3Server): { client: S3Client; sent: Sent[] } {
  const client = s3.client();
  const sent: Sent[] = [];
  client.middlewareStack.add(
    (next, context) => async (args) => {
      sent.push({ command: context.commandName ?? '?', input: args.input as Record<string, unknown> });
      return next(args);
    },
    { step: 'initialize', name: 'recordCommands' },
  );
  return { client, sent };
}

describe('S3 blob store specifics', () => {
  let s3: S3Server;
  beforeAll(async () => {
    s3 = await startS3();
  });
  afterAll(async () => {
    await s3.stop();
  });

  it('stores objects under the prefix, or at the bucket root with an empty prefix', async () => {
    const prefixed = createS3BlobStore({ bucket: s3.bucket, prefix: 'att/2026/', client: s3.client() });
    const bare = createS3BlobStore({ bucket: s3.bucket, prefix: '', client: s3.client() });
    const a = await prefixed.put(chunked(bytes(10)), { contentType: 'image/png', maxBytes: 10 });
    const b = await bare.put(chunked(bytes(10)), { contentType: 'image/png', maxBytes: 10 });
    const keys = await s3.listObjectKeys();
    expect(keys).toContain(`att/2026/${a.key}`);
    expect(keys).toContain(b.key);
    // A key is only meaningful with its store's prefix.
    await expect(bare.get(a.key)).rejects.toBeInstanceOf(BlobNotFoundError);
  });

  it('refuses a prefix that does not end with a slash', () => {
    expect(() => createS3BlobStore({ bucket: s3.bucket, prefix: 'att', client: s3.client() })).toThrow(
      /prefix/,
    );
  });

  it('leaves encryption to the bucket default unless asked, and sends what was asked', async () => {
    const plain = recordingClient(s3);
    await createS3BlobStore({ bucket: s3.bucket, prefix: '', client: plain.client }).put(
      chunked(bytes(100)),
      {
        contentType: 'image/png',
        maxBytes: 100,
      },
    );
    expect(plain.sent.map((s) => s.command)).toEqual(['PutObjectCommand']);
    expect(plain.sent[0]?.input).not.toHaveProperty('ServerSideEncryption');

    const aes = recordingClient(s3);
    await createS3BlobStore({
      bucket: s3.bucket,
      prefix: '',
      client: aes.client,
      serverSideEncryption: 'AES256',
    }).put(chunked(bytes(100)), { contentType: 'image/png', maxBytes: 100 });
    expect(aes.sent[0]?.input).toMatchObject({ ServerSideEncryption: 'AES256' });

    const kms = recordingClient(s3);
    const kmsStore = createS3BlobStore({
      bucket: s3.bucket,
      prefix: '',
      client: kms.client,
      serverSideEncryption: 'aws:kms',
      kmsKeyId: 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab',
    });
    // s3rver cannot do KMS, so only what the store asks for is checked, not the put itself.
    await kmsStore
      .put(chunked(bytes(100)), { contentType: 'image/png', maxBytes: 100 })
      .catch(() => undefined);
    expect(kms.sent[0]?.input).toMatchObject({
      ServerSideEncryption: 'aws:kms',
      SSEKMSKeyId: expect.stringContaining(':key/'),
    });
  });

  it('aborts the multipart upload it began when the body goes over the limit', async () => {
    const { client, sent } = recordingClient(s3);
    const store = createS3BlobStore({ bucket: s3.bucket, prefix: 'over/', client });
    const error = await store
      .put(chunked(bytes(13 * MiB)), { contentType: 'application/zip', maxBytes: 11 * MiB })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BlobTooLargeError);
    const commands = sent.map((s) => s.command);
    expect(commands).toContain('CreateMultipartUploadCommand');
    expect(commands).toContain('UploadPartCommand');
    expect(commands).toContain('AbortMultipartUploadCommand');
    expect(commands).not.toContain('CompleteMultipartUploadCommand');
    expect(await s3.listPendingUploads()).toEqual([]);
    expect((await s3.listObjectKeys()).filter((k) => k.startsWith('over/'))).toEqual([]);
  });

  it('(test server) shows a multipart upload nobody aborted, so the check above can see a leak', async () => {
    const client = s3.client();
    const { UploadId } = await client.send(
      new CreateMultipartUploadCommand({ Bucket: s3.bucket, Key: 'leak/x', ContentType: 'image/png' }),
    );
    expect(await s3.listPendingUploads()).toContainEqual({ uploadId: UploadId, key: 'leak/x' });
  });
});

import { describe, expect, it } from 'vitest';
import { BlobStoreUrlError, parseBlobStoreUrl } from '../../../src/platform/blobs/blob-url.js';

describe('BLOB_STORE values', () => {
  it.each([
    ['s3://parley-attachments', 'parley-attachments', ''],
    ['s3://parley-attachments/', 'parley-attachments', ''],
    ['s3://parley.attachments-1/attachments', 'parley.attachments-1', 'attachments/'],
    ['s3://abc/a/b_c/d.e-f/', 'abc', 'a/b_c/d.e-f/'],
    ['S3://bucket/x', 'bucket', 'x/'],
  ])('%s is bucket %s with prefix "%s"', (value, bucket, prefix) => {
    expect(parseBlobStoreUrl(value)).toEqual({ kind: 's3', bucket, prefix });
  });

  it.each([['/var/lib/parley/blobs'], ['data/blobs'], ['./blobs'], ['C:\\parley\\blobs'], ['./blobs:old']])(
    '%s is a local folder',
    (value) => {
      expect(parseBlobStoreUrl(value)).toEqual({ kind: 'local', dir: value });
    },
  );

  it.each([
    ['empty', ''],
    ['blank', '   '],
    ['no bucket', 's3://'],
    ['no bucket but a prefix', 's3:///prefix'],
    ['upper-case bucket', 's3://Parley'],
    ['too short bucket', 's3://ab'],
    ['too long bucket', `s3://${'a'.repeat(64)}`],
    ['underscore in bucket', 's3://parley_blobs'],
    ['bucket starting with a hyphen', 's3://-parley'],
    ['bucket like an IP address', 's3://192.168.1.1'],
    ['two dots in bucket', 's3://par..ley'],
    ['credentials', 's3://user:secret@bucket/x'],
    ['port', 's3://bucket:9000/x'],
    ['empty segment', 's3://bucket//x'],
    ['dot-dot segment', 's3://bucket/a/../b'],
    ['dot segment', 's3://bucket/./b'],
    ['space in prefix', 's3://bucket/my files'],
    ['query', 's3://bucket/x?versionId=1'],
    ['fragment', 's3://bucket/x#y'],
    ['other scheme', 'https://bucket.s3.amazonaws.com/x'],
    ['file URL', 'file:///var/lib/parley'],
    ['gs URL', 'gs://bucket/x'],
    ['a scheme without slashes', 'blobs:old'],
    ['NUL', 'data/\u0000blobs'],
  ])('rejects %s', (_case, value) => {
    expect(() => parseBlobStoreUrl(value)).toThrow(BlobStoreUrlError);
  });
});

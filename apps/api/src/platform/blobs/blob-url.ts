/** Where blobs go, from the `BLOB_STORE` setting. */
export type BlobStoreLocation =
  | { kind: 'local'; dir: string }
  | { kind: 's3'; bucket: string; prefix: string };

export class BlobStoreUrlError extends Error {
  override name = 'BlobStoreUrlError';
}

// S3 general purpose bucket names: 3–63 of a-z 0-9 . -, starting and ending with a letter or digit.
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const IP_ADDRESS = /^\d+\.\d+\.\d+\.\d+$/;
// One key prefix segment: S3's "safe" characters only, and not . or .. (which some tools resolve).
const SEGMENT = /^[A-Za-z0-9._-]+$/;

function parseS3(value: string): BlobStoreLocation {
  const rest = value.slice('s3://'.length);
  if (/[?#]/.test(rest)) throw new BlobStoreUrlError('an s3:// URL takes no query or fragment');
  const slash = rest.indexOf('/');
  const bucket = slash === -1 ? rest : rest.slice(0, slash);
  const path = slash === -1 ? '' : rest.slice(slash + 1);
  if (!BUCKET.test(bucket) || bucket.includes('..') || IP_ADDRESS.test(bucket)) {
    throw new BlobStoreUrlError(`"${bucket}" is not an S3 bucket name (3–63 of a-z 0-9 . -)`);
  }
  const segments = path.replace(/\/$/, '').split('/');
  if (path !== '' && segments.some((s) => s === '' || s === '.' || s === '..' || !SEGMENT.test(s))) {
    throw new BlobStoreUrlError(
      `"${path}" is not a key prefix: parts of A-Z a-z 0-9 . _ -, none empty, "." or ".."`,
    );
  }
  return { kind: 's3', bucket, prefix: path === '' ? '' : `${segments.join('/')}/` };
}

/**
 * `s3://bucket` or `s3://bucket/some/prefix` (the prefix gets a trailing '/'; none when empty), or a
 * filesystem folder. Any other `scheme://` is refused rather than taken for a folder name.
 */
export function parseBlobStoreUrl(value: string): BlobStoreLocation {
  if (value.trim() === '') throw new BlobStoreUrlError('must be s3://bucket[/prefix] or a folder path');
  if (value.includes('\u0000')) throw new BlobStoreUrlError('must not contain NUL');
  if (/^s3:\/\//i.test(value)) return parseS3(value);
  if (/^[a-z][a-z0-9+.-]*:/i.test(value) && !/^[a-z]:[\\/]/i.test(value)) {
    throw new BlobStoreUrlError(
      `unsupported scheme in "${value}": use s3://bucket[/prefix] or a folder path`,
    );
  }
  return { kind: 'local', dir: value };
}

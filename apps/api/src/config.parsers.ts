import path from 'node:path';
import { z } from 'zod';
import { type BlobStoreLocation, parseBlobStoreUrl } from './platform/blobs/blob-url.js';
import { parseRate, type Rate } from './platform/limits/rate.js';

/** The syntax of single configuration variables; `config.ts` puts them together and checks the whole. */
export const port = z.coerce.number().int().min(0).max(65535);

export const origin = z.string().transform((value, ctx) => {
  try {
    const url = new URL(value);
    if ((url.protocol === 'http:' || url.protocol === 'https:') && url.origin === value.replace(/\/$/, '')) {
      return url.origin;
    }
  } catch {
    // fall through to the issue below
  }
  ctx.addIssue({ code: 'custom', message: `"${value}" is not an origin like https://chat.example.com` });
  return z.NEVER;
});

export const databaseUrl = z.string().superRefine((value, ctx) => {
  if (!/^(sqlite:.+|mysql:\/\/.+)$/.test(value) || (value.startsWith('mysql:') && !URL.canParse(value))) {
    ctx.addIssue({
      code: 'custom',
      message: 'must be sqlite:<path> or mysql://user:password@host:port/database',
    });
  } else if (value.startsWith('mysql:') && !new URL(value).pathname.slice(1)) {
    ctx.addIssue({
      code: 'custom',
      message: 'must name the database, e.g. mysql://app:secret@db:3306/parley',
    });
  }
});

/** BLOB_STORE: a folder (made absolute) or `s3://bucket/prefix/`. */
export const blobStore = z.string().transform((value, ctx): BlobStoreLocation => {
  try {
    const parsed = parseBlobStoreUrl(value);
    return parsed.kind === 'local' ? { kind: 'local', dir: path.resolve(parsed.dir) } : parsed;
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: error instanceof Error ? error.message : 'invalid' });
    return z.NEVER;
  }
});

/**
 * TRUST_PROXY: "true"/"false", a hop count, or a comma-separated list of proxy addresses or CIDRs,
 * passed to Fastify's `trustProxy` so `request.ip` is the client behind the load balancer.
 */
export const trustProxy = z
  .string()
  .default('false')
  .transform((value, ctx): boolean | number | string[] => {
    if (value === 'true') return true;
    if (value === 'false') return false;
    if (/^\d+$/.test(value)) return Number(value);
    const list = value
      .split(',')
      .map((item) => item.trim())
      .filter(Boolean);
    if (list.length > 0 && list.every((item) => /^[0-9a-fA-F.:]+(\/\d{1,3})?$/.test(item))) return list;
    ctx.addIssue({
      code: 'custom',
      message: 'must be true, false, a hop count or a list of addresses/CIDRs',
    });
    return z.NEVER;
  });

/** A `LIMIT_*` rate variable: `<count>/<seconds>s`, with the given default. */
export const rate = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((value, ctx): Rate => {
      try {
        return parseRate(value);
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: error instanceof Error ? error.message : 'invalid' });
        return z.NEVER;
      }
    });

/** A concurrency cap (open sockets): a plain count, since it has no window. */
export const cap = (fallback: number) => z.coerce.number().int().min(1).max(1_000_000).default(fallback);

const DURATION_UNITS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** A duration: `<n>ms`, `<n>s`, `<n>m`, `<n>h`, `<n>d`, or a bare number of seconds; in milliseconds, at least `minMs`. */
export const duration = (fallback: string, minMs: number) =>
  z
    .string()
    .default(fallback)
    .transform((value, ctx) => {
      const match = /^(\d{1,9})(ms|s|m|h|d)?$/.exec(value.trim());
      const ms = match
        ? Number(match[1]) * DURATION_UNITS[(match[2] ?? 's') as keyof typeof DURATION_UNITS]
        : NaN;
      if (Number.isSafeInteger(ms) && ms >= minMs) return ms;
      ctx.addIssue({
        code: 'custom',
        message: `must be a duration like 30s, 10m, 24h or 500ms (at least ${minMs} ms)`,
      });
      return z.NEVER;
    });

export const byteCount = (fallback: number) =>
  z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER).default(fallback);

/** Variables for which empty is a value of its own ("off"), not the same as unset. */
const EMPTY_IS_A_VALUE: ReadonlySet<string> = new Set(['PWNED_PASSWORDS_URL']);

/**
 * `PORT=` (as .env files and orchestrators write an unset value) means unset, for every variable but
 * those in EMPTY_IS_A_VALUE.
 */
export const withoutEmptyValues = (env: unknown) =>
  env && typeof env === 'object'
    ? Object.fromEntries(Object.entries(env).filter(([k, v]) => v !== '' || EMPTY_IS_A_VALUE.has(k)))
    : env;

import { readdirSync } from 'node:fs';
import type { Readable } from 'node:stream';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import type { Kysely } from 'kysely';
import type { S3Server } from '../../../../scripts/services/s3.js';
import type { Config } from '../../src/config.js';
import type { DB } from '../../src/db/schema.js';
import type { Session } from './auth.js';
import type { TestDatabase } from './database.js';

/** A test database whose config has other upload limits or HTTP timeouts (an app built on it uses them). */
export function withConfig(
  testDb: TestDatabase,
  change: {
    uploads?: Partial<Config['uploads']>;
    http?: Partial<Config['http']>;
    rates?: Partial<Config['limits']['rates']>;
  },
): TestDatabase {
  const { config } = testDb;
  return {
    ...testDb,
    config: {
      ...config,
      uploads: { ...config.uploads, ...change.uploads },
      http: { ...config.http, ...change.http },
      limits: { ...config.limits, rates: { ...config.limits.rates, ...change.rates } },
    },
  };
}

/** `size` bytes of UTF-8 text that passes the text/plain check. */
export const text = (size: number, fill = 'a'): Buffer => Buffer.alloc(size, fill);

/** POST /api/attachments as a signed-in browser tab. A stream body goes without Content-Length. */
export function upload(
  app: FastifyInstance,
  session: Session,
  conversationId: string,
  body: Buffer | Readable,
  options: { contentType?: string; name?: string } = {},
): Promise<LightMyRequestResponse> {
  const query = new URLSearchParams({ conversationId, name: options.name ?? 'notes.txt' });
  return app.inject({
    method: 'POST',
    url: `/api/attachments?${query}`,
    headers: {
      'content-type': options.contentType ?? 'text/plain',
      origin: app.config.publicUrl.origin,
      cookie: session.cookie,
    },
    payload: body,
  });
}

/**
 * The blob keys a store holds: the local folder's data files (a leftover temporary file shows too), or
 * the S3 bucket's objects (read from s3rver's folder, no API call).
 */
export async function storedKeys(config: Config, s3?: S3Server): Promise<string[]> {
  if (s3) return (await s3.listObjectKeys()).map((key) => key.split('/').pop() ?? key);
  if (config.blobStore.kind !== 'local') throw new Error('not a local blob store');
  const dir = config.blobStore.dir;
  const files = (() => {
    try {
      return readdirSync(dir, { recursive: true, withFileTypes: true });
    } catch {
      return [];
    }
  })();
  return files
    .filter((entry) => entry.isFile() && !entry.name.endsWith('.json'))
    .map((entry) => entry.name)
    .sort();
}

/** Every attachment row, deleted ones included, straight from the database. */
export function attachmentRows(db: Kysely<DB>) {
  return db.selectFrom('attachments').selectAll().orderBy('created_at').execute();
}

import { mkdtempSync, rmSync } from 'node:fs';
import { readdir, readFile, rm, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import { freePort } from './free-port.js';

export interface S3Server {
  /** `http://127.0.0.1:PORT`, for a path-style client. */
  readonly endpoint: string;
  /** A bucket that exists, empty at start. */
  readonly bucket: string;
  /** A new client for this server: path-style, s3rver's fixed dummy credentials, no retries to slow failures. */
  client(): S3Client;
  /** Object keys in the bucket, straight from s3rver's folder (no S3 call), for assertions. */
  listObjectKeys(): Promise<string[]>;
  /** Multipart uploads begun and neither completed nor aborted (what S3 would keep billing for). */
  listPendingUploads(): Promise<{ uploadId: string; key: string }[]>;
  stop(): Promise<void>;
}

const BUCKET = 'parley-test-attachments';
// s3rver's built-in account; it checks request signatures against it.
const CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
// Where s3rver's filesystem store keeps multipart uploads in progress: one folder per upload id.
const UPLOADS_DIR = '._S3rver_uploads';

function xml(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'application/xml' });
  res.end(`<?xml version="1.0" encoding="UTF-8"?>\n${body}`);
}

const escapeXml = (value: string) => value.replace(/[<>&'"]/g, (ch) => `&#${ch.charCodeAt(0)};`);

/**
 * A real S3 API server (`s3rver`) on a free loopback port, storing in a temp folder, with one bucket.
 *
 * s3rver 3.7 implements multipart upload (create, upload part, complete) but not AbortMultipartUpload nor
 * ListMultipartUploads, so an aborted upload would leave its parts behind and a test could not tell.
 * Those two calls are answered here, on the same folder s3rver writes its uploads to, in front of s3rver
 * (they are not signature-checked; every other request is s3rver's, signatures included).
 */
export async function startS3(): Promise<S3Server> {
  const directory = mkdtempSync(path.join(tmpdir(), 'parley-s3-'));
  const bucketDir = path.join(directory, BUCKET);
  const uploadsDir = path.join(bucketDir, UPLOADS_DIR);
  const s3rver = new S3rver({
    directory,
    silent: true,
    configureBuckets: [{ name: BUCKET, configs: [] }],
  });
  await s3rver.configureBuckets();
  const handle = s3rver.callback();

  async function pendingUploads(): Promise<{ uploadId: string; key: string }[]> {
    const ids = await readdir(uploadsDir).catch(() => [] as string[]);
    return Promise.all(
      ids.map(async (uploadId) => ({
        uploadId,
        key: await readFile(path.join(uploadsDir, uploadId, 'key'), 'utf8'),
      })),
    );
  }

  async function abortOrList(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    const url = new URL(req.url ?? '/', 'http://s3');
    const [, bucket, ...keyParts] = url.pathname.split('/');
    if (bucket !== BUCKET) return false;
    const uploadId = url.searchParams.get('uploadId');
    if (req.method === 'DELETE' && uploadId !== null && keyParts.length > 0) {
      const dir = path.join(uploadsDir, path.basename(uploadId));
      const exists = await stat(dir).then(
        () => true,
        () => false,
      );
      if (!exists) {
        xml(res, 404, '<Error><Code>NoSuchUpload</Code><Message>No such upload</Message></Error>');
      } else {
        await rm(dir, { recursive: true, force: true });
        res.writeHead(204).end();
      }
      return true;
    }
    if (req.method === 'GET' && keyParts.length === 0 && url.searchParams.has('uploads')) {
      const uploads = (await pendingUploads())
        .map((u) => `<Upload><Key>${escapeXml(u.key)}</Key><UploadId>${u.uploadId}</UploadId></Upload>`)
        .join('');
      xml(
        res,
        200,
        `<ListMultipartUploadsResult><Bucket>${BUCKET}</Bucket><IsTruncated>false</IsTruncated>${uploads}</ListMultipartUploadsResult>`,
      );
      return true;
    }
    return false;
  }

  const server = createServer((req, res) => {
    abortOrList(req, res).then(
      (handled) => {
        if (!handled) handle(req, res);
      },
      (error: unknown) => {
        res.writeHead(500).end(String(error));
      },
    );
  });
  const port = await freePort();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const endpoint = `http://127.0.0.1:${port}`;
  const clients: S3Client[] = [];

  return {
    endpoint,
    bucket: BUCKET,
    client() {
      const client = new S3Client({
        endpoint,
        region: 'us-east-1',
        forcePathStyle: true,
        credentials: CREDENTIALS,
        maxAttempts: 1,
      });
      clients.push(client);
      return client;
    },
    async listObjectKeys() {
      const keys: string[] = [];
      const walk = async (dir: string, prefix: string): Promise<void> => {
        for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
          if (entry.name.startsWith('._S3rver_')) continue;
          const match = /^(.*)\._S3rver_object$/.exec(entry.name);
          if (match?.[1] !== undefined) keys.push(prefix + match[1]);
          else if (entry.isDirectory()) await walk(path.join(dir, entry.name), `${prefix}${entry.name}/`);
        }
      };
      await walk(bucketDir, '');
      return keys.sort();
    },
    listPendingUploads: pendingUploads,
    async stop() {
      for (const client of clients) client.destroy();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

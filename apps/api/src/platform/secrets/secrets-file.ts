import { randomBytes } from 'node:crypto';
import { link, mkdir, open, rename, unlink } from 'node:fs/promises';
import path from 'node:path';

/**
 * The local secrets file (`data/secrets.json`): a JSON object, readable by its owner only. Writes go
 * through a temporary file in the same directory and an atomic rename (or link, to create without
 * overwriting), so a reader never sees half a file and a crash never leaves one behind.
 */

const FILE_MODE = 0o600;
const DIR_MODE = 0o700;

export class SecretsFileError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SecretsFileError';
  }
}

export interface SecretsFileContent {
  /** Top-level entries; keys this module does not know are carried through rewrites untouched. */
  readonly data: Record<string, unknown>;
  /** Changes whenever the file is replaced or rewritten (inode, mtime, size). */
  readonly stamp: string;
}

export function fileStamp(stats: { ino: number; mtimeMs: number; size: number }): string {
  return `${stats.ino}:${stats.mtimeMs}:${stats.size}`;
}

const isErrno = (error: unknown, code: string) =>
  error instanceof Error && (error as NodeJS.ErrnoException).code === code;

/** Reads and parses the file, tightening its mode to 0600; `undefined` when it does not exist. */
export async function readSecretsFile(file: string): Promise<SecretsFileContent | undefined> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(file, 'r');
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return undefined;
    throw new SecretsFileError(`cannot open ${file}`, { cause: error });
  }
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) throw new SecretsFileError(`${file} is not a regular file`);
    // Secrets readable by others are already half-leaked: tighten an existing file we can read.
    if ((stats.mode & 0o777) !== FILE_MODE) await handle.chmod(FILE_MODE);
    const text = await handle.readFile('utf8');
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch {
      // JSON.parse messages quote the input; this one must not.
      throw new SecretsFileError(`${file} is not valid JSON`);
    }
    if (typeof data !== 'object' || data === null || Array.isArray(data)) {
      throw new SecretsFileError(`${file} must hold a JSON object`);
    }
    return { data: data as Record<string, unknown>, stamp: fileStamp(stats) };
  } finally {
    await handle.close();
  }
}

/**
 * Writes the file atomically with mode 0600, creating its directory (0700) if needed. With
 * `exclusive`, an existing file wins and `false` is returned: two processes starting together must
 * not each generate keys and overwrite the other's.
 */
export async function writeSecretsFile(
  file: string,
  data: Record<string, unknown>,
  options: { exclusive?: boolean } = {},
): Promise<boolean> {
  const dir = path.dirname(file);
  await mkdir(dir, { recursive: true, mode: DIR_MODE });
  const temp = path.join(dir, `.${path.basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await open(temp, 'wx', FILE_MODE);
  try {
    await handle.writeFile(`${JSON.stringify(data, null, 2)}\n`, 'utf8');
    // The umask may have narrowed the mode further; make it exactly 0600.
    await handle.chmod(FILE_MODE);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    if (options.exclusive) {
      try {
        await link(temp, file);
      } catch (error) {
        if (isErrno(error, 'EEXIST')) return false;
        throw error;
      }
      return true;
    }
    await rename(temp, file);
    return true;
  } finally {
    await unlink(temp).catch(() => undefined);
  }
}

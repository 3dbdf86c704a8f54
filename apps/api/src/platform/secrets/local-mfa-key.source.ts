import { randomBytes } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { type MfaKeyring, type MfaKeySource, mfaKeyring } from './mfa-keys.js';
import { fileStamp, readSecretsFile, SecretsFileError, writeSecretsFile } from './secrets-file.js';

/**
 * The MFA key material for laptops and single hosts: `mfa_encryption` in `data/secrets.json`, beside the
 * keyrings. Generated on first start (32 random bytes, base64url). A list of strings (oldest first) is a
 * rotation: the last seals, all open. A change of the file is noticed on the next use, as for keyrings.
 */

const ENTRY = 'mfa_encryption';

function materialsOf(value: unknown, file: string): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value) && value.every((item) => typeof item === 'string')) return value as string[];
  throw new SecretsFileError(`${file}: "${ENTRY}" must be a string or a list of strings (oldest first)`);
}

interface Loaded {
  keyring: MfaKeyring;
  stamp: string;
}

/** Reads the entry, adding it (other entries kept) when the file or the entry does not exist yet. */
async function loadOrCreate(file: string): Promise<Loaded> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const content = await readSecretsFile(file);
    const material = randomBytes(32).toString('base64url');
    if (!content) {
      // Exclusive: a process creating the file at the same moment wins, and the next pass reads it.
      await writeSecretsFile(file, { [ENTRY]: material }, { exclusive: true });
      continue;
    }
    if (content.data[ENTRY] === undefined) {
      await writeSecretsFile(file, { ...content.data, [ENTRY]: material });
      // Read back before use: only a key that is in the file may ever seal anything.
      continue;
    }
    return {
      keyring: mfaKeyring(materialsOf(content.data[ENTRY], file), `${file} ${ENTRY}`),
      stamp: content.stamp,
    };
  }
  throw new SecretsFileError(`${file} keeps changing while being read`);
}

export function createLocalMfaKeySource(options: {
  file: string;
  /** Reload failures: the last good keys stay in use. Messages never contain key material. */
  onError?: (error: unknown) => void;
}): MfaKeySource {
  const { file } = options;
  const onError = options.onError ?? ((error: unknown) => process.emitWarning(String(error)));
  let current: Loaded | undefined;
  let loading: Promise<Loaded> | undefined;

  function load(): Promise<Loaded> {
    loading ??= loadOrCreate(file)
      .then((loaded) => {
        current = loaded;
        return loaded;
      })
      .finally(() => {
        loading = undefined;
      });
    return loading;
  }

  async function fresh(): Promise<MfaKeyring> {
    if (!current) return (await load()).keyring;
    try {
      if (fileStamp(await stat(file)) === current.stamp) return current.keyring;
      return (await load()).keyring;
    } catch (error) {
      // Deleted, unreadable or broken while running: keep the keys we have rather than minting new ones.
      onError(error);
      return current.keyring;
    }
  }

  return {
    get: fresh,
    refresh: fresh,
    close() {
      // No timers: changes are noticed on access.
    },
  };
}

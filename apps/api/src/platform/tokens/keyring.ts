import { createPublicKey, sign, verify } from 'node:crypto';
import { z } from 'zod';
import { generateKeyringKey, privateKeyFromSecret, publicKeyId, publicPaserkFromSecret } from './paserk.js';
import type { KeyringData, KeyringKey } from './token.types.js';

const HOUR_MS = 60 * 60 * 1000;
const DAY_MS = 24 * HOUR_MS;

/** A new signing key every 30 days (design notes, "Key rotation"). */
export const KEY_ROTATION_INTERVAL_MS = 30 * DAY_MS;

/**
 * No token outlives 24 h (the `active_session` token; verify-email is 24 h, reset 30 min). The token
 * service refuses longer lifetimes, because the retention rule below is only sound under this bound.
 */
export const MAX_TOKEN_TTL_SECONDS = 24 * 60 * 60;

/** Clock skew accepted between instances on `iat`, `nbf` and `exp`. */
export const CLOCK_TOLERANCE_SECONDS = 30;

/**
 * How long a key stays in its keyring: a key signs for at most one rotation interval (30 days), and
 * the last token it signed lives at most 24 h more, so a key younger than 30 d + 24 h may still have
 * unexpired tokens. Past that age, with rotations on schedule, all of its tokens have expired.
 */
export const KEY_RETENTION_MS = KEY_ROTATION_INTERVAL_MS + MAX_TOKEN_TTL_SECONDS * 1000;

/** A keyring never needs more than a handful of keys; a bound keeps a bad secret from growing without limit. */
const MAX_KEYS = 16;

const KeyringKeySchema = z.object({
  kid: z.string().regex(/^k4\.pid\.[A-Za-z0-9_-]{44}$/, 'must be a k4.pid PASERK'),
  secretKey: z.string().regex(/^k4\.secret\.[A-Za-z0-9_-]{86}$/, 'must be a k4.secret PASERK'),
  createdAt: z.iso.datetime({ offset: true }),
});

/**
 * A keyring as stored in a secret. Beyond shape, every kid must be the k4.pid of its own key: the kid
 * is how a verifier picks the key, so a kid naming another key would be a silent mix-up.
 */
const keyringDataSchema = (minKeys: number) =>
  z.object({ keys: z.array(KeyringKeySchema).min(minKeys).max(MAX_KEYS) }).superRefine((data, ctx) => {
    const seen = new Set<string>();
    data.keys.forEach((key, index) => {
      if (seen.has(key.kid)) {
        ctx.addIssue({ code: 'custom', path: ['keys', index, 'kid'], message: 'duplicate kid' });
      }
      seen.add(key.kid);
      let derived: string | undefined;
      try {
        derived = publicKeyId(publicPaserkFromSecret(key.secretKey));
      } catch (error) {
        // PaserkError messages describe the format only, never key material.
        const reason = error instanceof Error ? error.message : 'invalid key';
        ctx.addIssue({ code: 'custom', path: ['keys', index, 'secretKey'], message: reason });
        return;
      }
      if (derived !== key.kid) {
        ctx.addIssue({
          code: 'custom',
          path: ['keys', index, 'kid'],
          message: 'kid does not match secretKey',
        });
      }
    });
  });

/** What the API loads: at least one key, the signer. */
export const KeyringDataSchema = keyringDataSchema(1);
/** What a rotation may start from: the AWS secret is created empty (`{"keys":[]}`) and the first rotation mints its key. */
const RotatableKeyringDataSchema = keyringDataSchema(0);

export class KeyringError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KeyringError';
  }
}

/**
 * Validates keyring data from a secret (`allowEmpty` only for the input of a rotation). The error lists paths and reasons only — zod issues carry no
 * input values here — so it is safe to log.
 */
export function parseKeyringData(
  value: unknown,
  label: string,
  options: { allowEmpty?: boolean } = {},
): KeyringData {
  const parsed = (options.allowEmpty ? RotatableKeyringDataSchema : KeyringDataSchema).safeParse(value);
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`,
    );
    throw new KeyringError(`invalid keyring ${label}: ${problems.join('; ')}`);
  }
  return parsed.data;
}

/** The signing key: the newest, which is last by convention. */
export function signingKey(data: KeyringData): KeyringKey {
  const key = data.keys.at(-1);
  if (!key) throw new KeyringError('keyring is empty');
  return key;
}

export interface RotateOptions {
  /** Keys younger than this are kept (see KEY_RETENTION_MS). */
  retainMs: number;
  /**
   * Safety net for off-schedule rotations: a key is also kept while its successor has been signing
   * for less than this long, because tokens it signed just before being superseded are still alive.
   * Without it, an emergency rotation soon after a late one would retire a key with live tokens.
   * @default MAX_TOKEN_TTL_SECONDS + CLOCK_TOLERANCE_SECONDS, in ms
   */
  maxTokenLifetimeMs?: number;
  /** @default generateKeyringKey */
  generate?: (now: Date) => KeyringKey;
}

/**
 * Appends a fresh key (the new signer) and drops keys no unexpired token can name. The key being
 * replaced is always kept. Pure apart from the generated key; the input is not modified.
 */
export function rotateKeyring(data: KeyringData, now: Date, options: RotateOptions): KeyringData {
  const lifetimeMs = options.maxTokenLifetimeMs ?? (MAX_TOKEN_TTL_SECONDS + CLOCK_TOLERANCE_SECONDS) * 1000;
  const generate = options.generate ?? generateKeyringKey;
  const nowMs = now.getTime();
  const keys = data.keys;
  const kept = keys.filter((key, index) => {
    const successor = keys[index + 1];
    if (!successor) return true;
    const age = nowMs - Date.parse(key.createdAt);
    const supersededFor = nowMs - Date.parse(successor.createdAt);
    return age < options.retainMs || supersededFor < lifetimeMs;
  });
  const fresh = generate(now);
  if (kept.some((key) => key.kid === fresh.kid)) throw new KeyringError('generated key already in keyring');
  return { keys: [...kept.map((key) => ({ ...key })), fresh] };
}

/**
 * Proves a keyring usable before it goes live (the rotation's `testSecret`): it parses as the API will
 * load it (every kid the k4.pid of its own key, no duplicates, at least one key), and every key signs a
 * message that its public half verifies.
 */
export function assertKeyringSigns(value: unknown, label: string): KeyringData {
  const data = parseKeyringData(value, label);
  for (const key of data.keys) {
    const privateKey = privateKeyFromSecret(key.secretKey);
    const message = Buffer.from(`parley keyring self-test ${key.kid}`);
    if (!verify(null, message, createPublicKey(privateKey), sign(null, message, privateKey))) {
      throw new KeyringError(`key ${key.kid} failed the sign/verify round-trip`);
    }
  }
  return data;
}

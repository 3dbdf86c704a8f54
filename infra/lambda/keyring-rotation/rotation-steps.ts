import { PutSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { finishRotation, readSecretString, readSecretStringIfExists } from '../shared/rotation.js';
import {
  assertKeyringSigns,
  CLOCK_TOLERANCE_SECONDS,
  type KeyringData,
  parseKeyringData,
  rotateKeyring,
} from './api-keyring.js';

const HOUR_MS = 3_600_000;

export interface RetentionPolicy {
  /** How long a key signs before the next rotation replaces it. */
  rotationIntervalHours: number;
  /** Longest lifetime of a token signed by any key of this ring. */
  maxTokenLifetimeHours: number;
}

export interface StepContext {
  readonly client: SecretsManagerClient;
  readonly secretId: string;
  readonly token: string;
  readonly policy: RetentionPolicy;
  readonly now: () => Date;
  readonly log: (message: string) => void;
}

/** Parses a version's JSON; errors name the secret and stage, never the value (it is key material). */
function parseJson(text: string, label: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    // JSON.parse messages quote the input, which here is key material.
    throw new Error(`keyring ${label} is not valid JSON`);
  }
}

/** The parsed JSON of one version. */
async function readSecretJson(ctx: StepContext, stage: string, versionId?: string): Promise<unknown> {
  const label = `${ctx.secretId} (${stage})`;
  return parseJson(await readSecretString(ctx.client, ctx.secretId, stage, versionId), label);
}

/** The keyring as the API reads it; AWSCURRENT may be the empty ring the stack creates. */
async function readKeyring(ctx: StepContext, stage: string, versionId?: string): Promise<KeyringData> {
  const label = `${ctx.secretId} (${stage})`;
  return parseKeyringData(await readSecretJson(ctx, stage, versionId), label, {
    allowEmpty: stage === 'AWSCURRENT',
  });
}

/**
 * The API's retention rule with this function's policy: a key stays while it may have signed a live
 * token (rotation interval + token lifetime), or while its successor has signed for less than a token
 * lifetime (an off-schedule rotation); the newest current key always stays.
 */
function rotate(current: KeyringData, policy: RetentionPolicy, now: Date): KeyringData {
  return rotateKeyring(current, now, {
    retainMs: (policy.rotationIntervalHours + policy.maxTokenLifetimeHours) * HOUR_MS,
    maxTokenLifetimeMs: policy.maxTokenLifetimeHours * HOUR_MS + CLOCK_TOLERANCE_SECONDS * 1000,
  });
}

/** Puts AWSPENDING = current keys still needed + a new key; does nothing if this version already exists. */
export async function createSecret(ctx: StepContext): Promise<void> {
  const current = await readKeyring(ctx, 'AWSCURRENT');
  if ((await readSecretStringIfExists(ctx.client, ctx.secretId, 'AWSPENDING', ctx.token)) !== undefined) {
    // A retried createSecret (Secrets Manager retries failed rotations) must not mint a second key.
    ctx.log(`createSecret: version ${ctx.token} already pending, nothing to do`);
    return;
  }
  const next = rotate(current, ctx.policy, ctx.now());
  await ctx.client.send(
    new PutSecretValueCommand({
      SecretId: ctx.secretId,
      ClientRequestToken: ctx.token,
      SecretString: JSON.stringify(next),
      VersionStages: ['AWSPENDING'],
    }),
  );
  ctx.log(`createSecret: put version ${ctx.token} with ${next.keys.length} keys`);
}

/**
 * Nothing to do: unlike a database password, a signing keyring has no copy in another system that
 * must learn the new value. The app instances read AWSCURRENT themselves (reload timer, unknown kid).
 */
export async function setSecret(ctx: StepContext): Promise<void> {
  ctx.log('setSecret: keyrings live only in Secrets Manager; no external system to update');
}

/**
 * Loads the pending keyring as the API will, and proves every key can sign and verify; throws to abort
 * the rotation.
 */
export async function testSecret(ctx: StepContext): Promise<void> {
  const label = `${ctx.secretId} (AWSPENDING)`;
  const pending = assertKeyringSigns(await readSecretJson(ctx, 'AWSPENDING', ctx.token), label);
  ctx.log(`testSecret: version ${ctx.token} verified (${pending.keys.length} keys)`);
}

/** Moves AWSCURRENT to the pending version; Secrets Manager moves AWSPREVIOUS to the old one. */
export async function finishSecret(ctx: StepContext): Promise<void> {
  await finishRotation(ctx.client, ctx.secretId, ctx.token, ctx.log);
}

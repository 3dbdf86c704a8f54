import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceNotFoundException,
  type SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
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

/** The parsed JSON of one version; errors name the secret and stage, never the value. */
async function readSecretJson(ctx: StepContext, stage: string, versionId?: string): Promise<unknown> {
  const result = await ctx.client.send(
    new GetSecretValueCommand({ SecretId: ctx.secretId, VersionStage: stage, VersionId: versionId }),
  );
  const label = `${ctx.secretId} (${stage})`;
  if (result.SecretString === undefined) throw new Error(`keyring ${label} has no SecretString`);
  try {
    return JSON.parse(result.SecretString);
  } catch {
    // JSON.parse messages quote the input, which here is key material.
    throw new Error(`keyring ${label} is not valid JSON`);
  }
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
  try {
    await readKeyring(ctx, 'AWSPENDING', ctx.token);
    // A retried createSecret (Secrets Manager retries failed rotations) must not mint a second key.
    ctx.log(`createSecret: version ${ctx.token} already pending, nothing to do`);
    return;
  } catch (error) {
    if (!(error instanceof ResourceNotFoundException)) throw error;
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
  const described = await ctx.client.send(new DescribeSecretCommand({ SecretId: ctx.secretId }));
  const versions = described.VersionIdsToStages ?? {};
  const currentVersion = Object.keys(versions).find((id) => versions[id]?.includes('AWSCURRENT'));
  if (currentVersion === ctx.token) {
    ctx.log(`finishSecret: version ${ctx.token} is already AWSCURRENT`);
    return;
  }
  await ctx.client.send(
    new UpdateSecretVersionStageCommand({
      SecretId: ctx.secretId,
      VersionStage: 'AWSCURRENT',
      MoveToVersionId: ctx.token,
      RemoveFromVersionId: currentVersion,
    }),
  );
  ctx.log(`finishSecret: AWSCURRENT moved from ${currentVersion ?? '(none)'} to ${ctx.token}`);
}

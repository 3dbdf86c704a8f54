import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceNotFoundException,
  type SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { type Keyring, parseKeyring, type RetentionPolicy, rotateKeyring, verifyKeyring } from './keyring.js';

export interface StepContext {
  readonly client: SecretsManagerClient;
  readonly secretId: string;
  readonly token: string;
  readonly policy: RetentionPolicy;
  readonly now: () => Date;
  readonly log: (message: string) => void;
}

async function readKeyring(ctx: StepContext, stage: string, versionId?: string): Promise<Keyring> {
  const result = await ctx.client.send(
    new GetSecretValueCommand({ SecretId: ctx.secretId, VersionStage: stage, VersionId: versionId }),
  );
  return parseKeyring(result.SecretString);
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
  const next = rotateKeyring(current, ctx.policy, ctx.now());
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

/** Loads the pending keyring and proves every key can sign and verify; throws to abort the rotation. */
export async function testSecret(ctx: StepContext): Promise<void> {
  const pending = await readKeyring(ctx, 'AWSPENDING', ctx.token);
  verifyKeyring(pending);
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

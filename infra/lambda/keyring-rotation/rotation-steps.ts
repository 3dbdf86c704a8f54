import { PutSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { finishRotation, readSecretString, readSecretStringIfExists } from '../shared/rotation.js';
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
  return parseKeyring(await readSecretString(ctx.client, ctx.secretId, stage, versionId));
}

/** Puts AWSPENDING = current keys still needed + a new key; does nothing if this version already exists. */
export async function createSecret(ctx: StepContext): Promise<void> {
  const current = await readKeyring(ctx, 'AWSCURRENT');
  if ((await readSecretStringIfExists(ctx.client, ctx.secretId, 'AWSPENDING', ctx.token)) !== undefined) {
    // A retried createSecret (Secrets Manager retries failed rotations) must not mint a second key.
    ctx.log(`createSecret: version ${ctx.token} already pending, nothing to do`);
    return;
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
  await finishRotation(ctx.client, ctx.secretId, ctx.token, ctx.log);
}

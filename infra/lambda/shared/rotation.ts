import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  ResourceNotFoundException,
  type SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import type { SecretsManagerRotationEvent } from 'aws-lambda';

/*
 * The part of a Secrets Manager rotation function that does not depend on what is rotated: checking
 * the event against the secret's version stages, reading a version, and the final stage move. Shared
 * by the keyring rotation and the database password rotation.
 */

export const ROTATION_STEPS = ['createSecret', 'setSecret', 'testSecret', 'finishSecret'] as const;
export type RotationStep = (typeof ROTATION_STEPS)[number];

export type Log = (message: string) => void;

/**
 * Validates a rotation event the way Secrets Manager's own templates do. Returns the step to run, or
 * `undefined` when the version is already AWSCURRENT (a retry after success: nothing to do).
 */
export async function checkRotationEvent(
  client: SecretsManagerClient,
  event: SecretsManagerRotationEvent,
  log: Log,
): Promise<RotationStep | undefined> {
  const step = event.Step as RotationStep;
  if (!ROTATION_STEPS.includes(step)) throw new Error(`unknown rotation step ${event.Step}`);
  const described = await client.send(new DescribeSecretCommand({ SecretId: event.SecretId }));
  if (described.RotationEnabled === false) throw new Error(`secret ${event.SecretId} has rotation disabled`);
  const stages = described.VersionIdsToStages?.[event.ClientRequestToken];
  if (!stages) throw new Error(`version ${event.ClientRequestToken} has no stage on ${event.SecretId}`);
  if (stages.includes('AWSCURRENT')) {
    log(`${step}: version ${event.ClientRequestToken} is already AWSCURRENT`);
    return undefined;
  }
  if (!stages.includes('AWSPENDING')) {
    throw new Error(`version ${event.ClientRequestToken} is not AWSPENDING on ${event.SecretId}`);
  }
  return step;
}

/** The SecretString of one version, selected by stage (and version id when given). */
export async function readSecretString(
  client: SecretsManagerClient,
  secretId: string,
  stage: string,
  versionId?: string,
): Promise<string> {
  const result = await client.send(
    new GetSecretValueCommand({ SecretId: secretId, VersionStage: stage, VersionId: versionId }),
  );
  if (result.SecretString === undefined) throw new Error(`secret ${secretId} (${stage}) has no SecretString`);
  return result.SecretString;
}

/** Like readSecretString, but `undefined` when that version or stage does not exist. */
export async function readSecretStringIfExists(
  client: SecretsManagerClient,
  secretId: string,
  stage: string,
  versionId?: string,
): Promise<string | undefined> {
  try {
    return await readSecretString(client, secretId, stage, versionId);
  } catch (error) {
    if (error instanceof ResourceNotFoundException) return undefined;
    throw error;
  }
}

/** Moves AWSCURRENT to the pending version; Secrets Manager moves AWSPREVIOUS to the old one. */
export async function finishRotation(
  client: SecretsManagerClient,
  secretId: string,
  token: string,
  log: Log,
): Promise<void> {
  const described = await client.send(new DescribeSecretCommand({ SecretId: secretId }));
  const versions = described.VersionIdsToStages ?? {};
  const currentVersion = Object.keys(versions).find((id) => versions[id]?.includes('AWSCURRENT'));
  if (currentVersion === token) {
    log(`finishSecret: version ${token} is already AWSCURRENT`);
    return;
  }
  await client.send(
    new UpdateSecretVersionStageCommand({
      SecretId: secretId,
      VersionStage: 'AWSCURRENT',
      MoveToVersionId: token,
      RemoveFromVersionId: currentVersion,
    }),
  );
  log(`finishSecret: AWSCURRENT moved from ${currentVersion ?? '(none)'} to ${token}`);
}

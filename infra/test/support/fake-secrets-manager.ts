import { randomInt } from 'node:crypto';
import {
  DescribeSecretCommand,
  GetRandomPasswordCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceNotFoundException,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import type { mockClient } from 'aws-sdk-client-mock';

interface StoredSecret {
  values: Map<string, string>;
  stages: Map<string, string[]>;
  rotationEnabled: boolean;
}

const PASSWORD_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!#$%&*+-.:=?@^_~';

/**
 * Secrets Manager's version and stage bookkeeping for several secrets, held in memory behind
 * aws-sdk-client-mock: what the rotation functions see of the real service.
 */
export class FakeSecretsManager {
  readonly secrets = new Map<string, StoredSecret>();
  private versions = 0;

  create(secretId: string, value: unknown): void {
    this.secrets.set(secretId, {
      values: new Map([['v0', JSON.stringify(value)]]),
      stages: new Map([['v0', ['AWSCURRENT']]]),
      rotationEnabled: true,
    });
  }

  /** What RotateSecret does before invoking the function: reserve a new token as AWSPENDING. */
  startRotation(secretId: string): string {
    const token = `v${++this.versions}`;
    this.get(secretId).stages.set(token, ['AWSPENDING']);
    return token;
  }

  /** The parsed value currently labelled `stage`. */
  value<T = Record<string, unknown>>(secretId: string, stage = 'AWSCURRENT'): T {
    const secret = this.get(secretId);
    const id = this.versionWith(secretId, stage);
    return JSON.parse((id && secret.values.get(id)) || 'null') as T;
  }

  versionWith(secretId: string, stage: string): string | undefined {
    return [...this.get(secretId).stages].find(([, stages]) => stages.includes(stage))?.[0];
  }

  stagesOf(secretId: string): Record<string, string[]> {
    return Object.fromEntries(this.get(secretId).stages);
  }

  private get(secretId: string): StoredSecret {
    const secret = this.secrets.get(secretId);
    if (!secret) throw new ResourceNotFoundException({ message: `no secret ${secretId}`, $metadata: {} });
    return secret;
  }

  install(mock: ReturnType<typeof mockClient>): void {
    mock.on(DescribeSecretCommand).callsFake((input: { SecretId: string }) => {
      const secret = this.get(input.SecretId);
      return {
        RotationEnabled: secret.rotationEnabled,
        VersionIdsToStages: Object.fromEntries(secret.stages),
      };
    });
    mock
      .on(GetSecretValueCommand)
      .callsFake((input: { SecretId: string; VersionId?: string; VersionStage?: string }) => {
        const secret = this.get(input.SecretId);
        const id = input.VersionId ?? this.versionWith(input.SecretId, input.VersionStage ?? 'AWSCURRENT');
        const value = id ? secret.values.get(id) : undefined;
        if (
          !id ||
          value === undefined ||
          (input.VersionStage && !secret.stages.get(id)?.includes(input.VersionStage))
        ) {
          throw new ResourceNotFoundException({ message: 'not found', $metadata: {} });
        }
        return { VersionId: id, SecretString: value };
      });
    mock
      .on(PutSecretValueCommand)
      .callsFake((input: { SecretId: string; ClientRequestToken: string; SecretString: string }) => {
        const secret = this.get(input.SecretId);
        secret.values.set(input.ClientRequestToken, input.SecretString);
        secret.stages.set(input.ClientRequestToken, ['AWSPENDING']);
        return {};
      });
    mock
      .on(UpdateSecretVersionStageCommand)
      .callsFake((input: { SecretId: string; MoveToVersionId: string; RemoveFromVersionId?: string }) => {
        const secret = this.get(input.SecretId);
        for (const [id, stages] of secret.stages)
          secret.stages.set(
            id,
            stages.filter((s) => s !== 'AWSPREVIOUS'),
          );
        if (input.RemoveFromVersionId) secret.stages.set(input.RemoveFromVersionId, ['AWSPREVIOUS']);
        secret.stages.set(input.MoveToVersionId, ['AWSCURRENT']);
        return {};
      });
    mock
      .on(GetRandomPasswordCommand)
      .callsFake((input: { PasswordLength?: number; ExcludeCharacters?: string }) => {
        const alphabet = [...PASSWORD_ALPHABET].filter((c) => !(input.ExcludeCharacters ?? '').includes(c));
        const length = input.PasswordLength ?? 32;
        return {
          RandomPassword: Array.from({ length }, () => alphabet[randomInt(alphabet.length)]).join(''),
        };
      });
  }
}

import { Duration, RemovalPolicy, SecretValue } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';

import { TOKEN_PURPOSES, type TokenPurpose } from '../../lambda/keyring-rotation/api-keyring.js';

/** Token purposes, each signed by its own keyring: the API's list (docs: ARCHITECTURE.md "Security model"). */
export const KEYRING_PURPOSES = TOKEN_PURPOSES;
export type KeyringPurpose = TokenPurpose;

export interface KeyringSecretProps {
  readonly purpose: KeyringPurpose;
  readonly encryptionKey: kms.IKey;
  readonly rotationFunction: lambda.IFunction;
  /**
   * Days between rotations.
   * @default 30 (design notes: "rotate the session signing keys every 30 days")
   */
  readonly rotationDays?: number;
}

/**
 * One signing keyring secret. It starts empty (`{"keys":[]}`) because Secrets Manager cannot generate
 * Ed25519 keys; the stack triggers one rotation at creation to mint the first key.
 */
export class KeyringSecret extends Construct {
  readonly secret: secretsmanager.Secret;

  constructor(scope: Construct, id: string, props: KeyringSecretProps) {
    super(scope, id);
    this.secret = new secretsmanager.Secret(this, 'Secret', {
      secretName: `parley/keyring/${props.purpose}`,
      description: `Parley ${props.purpose} PASETO v4.public signing keyring (newest key last)`,
      encryptionKey: props.encryptionKey,
      // Not secret: an empty keyring, replaced by the first rotation before any app instance starts.
      secretStringValue: SecretValue.unsafePlainText('{"keys":[]}'),
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.secret.addRotationSchedule('Rotation', {
      rotationLambda: props.rotationFunction,
      automaticallyAfter: Duration.days(props.rotationDays ?? 30),
      // A deploy must not rotate: rotation happens on the schedule (and once at creation, see stack).
      rotateImmediatelyOnUpdate: false,
    });
  }
}

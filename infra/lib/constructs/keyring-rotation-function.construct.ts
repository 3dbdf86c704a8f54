import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import {
  DEFAULT_MAX_TOKEN_LIFETIME_HOURS,
  DEFAULT_ROTATION_INTERVAL_DAYS,
} from '../../lambda/keyring-rotation/api-keyring.js';
import { VpcFunction } from './vpc-function.construct.js';

export interface KeyringRotationFunctionProps {
  readonly vpc: ec2.IVpc;
  readonly logsKey: kms.IKey;
  /** SecurityGroups.keyringRotation: egress only to the Secrets Manager endpoint. */
  readonly securityGroup: ec2.ISecurityGroup;
  /**
   * Days between rotations; sets how long a superseded key is still needed.
   * @default 30
   */
  readonly rotationIntervalDays?: number;
  /**
   * Longest lifetime of any token signed with a keyring key, in hours.
   * @default 24
   */
  readonly maxTokenLifetimeHours?: number;
}

/** The Secrets Manager rotation Lambda shared by the three signing keyrings (lambda/keyring-rotation). */
export class KeyringRotationFunction extends Construct {
  readonly vpcFunction: VpcFunction;

  constructor(scope: Construct, id: string, props: KeyringRotationFunctionProps) {
    super(scope, id);
    this.vpcFunction = new VpcFunction(this, 'Fn', {
      entry: 'infra/lambda/keyring-rotation/handler.ts',
      description: 'Parley signing keyring rotation (adds an Ed25519 key, keeps the ones still needed)',
      vpc: props.vpc,
      securityGroup: props.securityGroup,
      logsKey: props.logsKey,
      environment: {
        ROTATION_INTERVAL_DAYS: String(props.rotationIntervalDays ?? DEFAULT_ROTATION_INTERVAL_DAYS),
        MAX_TOKEN_LIFETIME_HOURS: String(props.maxTokenLifetimeHours ?? DEFAULT_MAX_TOKEN_LIFETIME_HOURS),
      },
    });
  }
}

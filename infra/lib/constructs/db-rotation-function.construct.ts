import { Duration } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { VpcFunction } from './vpc-function.construct.js';

export interface DbRotationFunctionProps {
  readonly vpc: ec2.IVpc;
  readonly logsKey: kms.IKey;
  /** SecurityGroups.dbRotation: egress to RDS 3306 and the Secrets Manager endpoint only. */
  readonly securityGroup: ec2.ISecurityGroup;
  /** Characters generated passwords leave out (DB_PASSWORD_EXCLUDE). */
  readonly excludeCharacters: string;
}

/**
 * The project's own rotation Lambda for the RDS for MySQL secrets (lambda/db-rotation), instead of the
 * hosted Secrets Manager application: it uses `ALTER USER … IDENTIFIED BY` (MySQL 8+/9 removed
 * `PASSWORD()`) and connects over verified TLS only (the instance requires secure transport).
 */
export class DbRotationFunction extends Construct {
  readonly vpcFunction: VpcFunction;

  constructor(scope: Construct, id: string, props: DbRotationFunctionProps) {
    super(scope, id);
    this.vpcFunction = new VpcFunction(this, 'Fn', {
      entry: 'infra/lambda/db-rotation/handler.ts',
      description: 'Parley MySQL secret rotation (single user and alternating users, TLS only)',
      vpc: props.vpc,
      securityGroup: props.securityGroup,
      logsKey: props.logsKey,
      timeout: Duration.minutes(1),
      environment: { EXCLUDE_CHARACTERS: props.excludeCharacters },
    });
  }
}

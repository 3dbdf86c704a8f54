import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { CustomResource, Duration, RemovalPolicy } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { REPO_ROOT, VpcFunction } from './vpc-function.construct.js';

/** Hash of the API's migrations and app-user SQL: a change re-runs the bootstrap on the next deploy. */
export function schemaFingerprint(): string {
  const dbDir = path.join(REPO_ROOT, 'apps/api/src/db');
  const migrationsDir = path.join(dbDir, 'migrations');
  const files = [
    path.join(dbDir, 'app-user.ts'),
    ...readdirSync(migrationsDir)
      .filter((name) => name.endsWith('.ts'))
      .sort()
      .map((name) => path.join(migrationsDir, name)),
  ];
  const hash = createHash('sha256');
  for (const file of files) hash.update(path.basename(file)).update(readFileSync(file));
  return hash.digest('hex').slice(0, 16);
}

export interface DbBootstrapProps {
  readonly vpc: ec2.IVpc;
  /** SecurityGroups.dbBootstrap: egress to RDS 3306 and the Secrets Manager endpoint only. */
  readonly securityGroup: ec2.ISecurityGroup;
  readonly logsKey: kms.IKey;
  readonly masterSecret: secretsmanager.ISecret;
  readonly appUserSecret: secretsmanager.ISecret;
  /**
   * Schema the app uses.
   * @default 'parley'
   */
  readonly databaseName?: string;
}

/**
 * Deploy-time custom resource: with the master secret it creates the schema, runs the API's migrations
 * and creates/updates the limited app user from its own secret (lambda/db-bootstrap).
 */
export class DbBootstrap extends Construct {
  readonly resource: CustomResource;
  readonly vpcFunction: VpcFunction;

  constructor(scope: Construct, id: string, props: DbBootstrapProps) {
    super(scope, id);
    this.vpcFunction = new VpcFunction(this, 'Fn', {
      entry: 'infra/lambda/db-bootstrap/handler.ts',
      description: 'Parley DB bootstrap: schema, migrations, limited app user',
      vpc: props.vpc,
      securityGroup: props.securityGroup,
      logsKey: props.logsKey,
      timeout: Duration.minutes(10),
      esbuildArgs: {
        // The API's database module imports better-sqlite3 for SQLite mode; MySQL-only here.
        '--alias:better-sqlite3': path.join(REPO_ROOT, 'infra/lambda/db-bootstrap/no-sqlite.ts'),
      },
    });
    props.masterSecret.grantRead(this.vpcFunction.function);
    props.appUserSecret.grantRead(this.vpcFunction.function);

    const provider = new cr.Provider(this, 'Provider', {
      onEventHandler: this.vpcFunction.function,
      logGroup: new logs.LogGroup(this, 'ProviderLogs', {
        retention: logs.RetentionDays.ONE_YEAR,
        encryptionKey: props.logsKey,
        removalPolicy: RemovalPolicy.RETAIN,
      }),
    });
    this.resource = new CustomResource(this, 'Resource', {
      serviceToken: provider.serviceToken,
      resourceType: 'Custom::ParleyDbBootstrap',
      properties: {
        MasterSecretArn: props.masterSecret.secretArn,
        AppUserSecretArn: props.appUserSecret.secretArn,
        DatabaseName: props.databaseName ?? 'parley',
        SchemaFingerprint: schemaFingerprint(),
      },
    });
  }
}

import { type CfnResource, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as backup from 'aws-cdk-lib/aws-backup';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as rds from 'aws-cdk-lib/aws-rds';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { ParleyBackupPlan } from './constructs/backup-plan.construct.js';
import { DbBootstrap } from './constructs/db-bootstrap.construct.js';
import { DbRotationFunction } from './constructs/db-rotation-function.construct.js';
import { FunctionDeadLetterQueue } from './constructs/function-dead-letter-queue.construct.js';
import { DB_PASSWORD_EXCLUDE, MysqlDatabase } from './constructs/mysql-database.construct.js';
import type { SecurityGroups } from './constructs/security-groups.construct.js';
import { ValkeyCache } from './constructs/valkey-cache.construct.js';

export const DATABASE_NAME = 'parley';
export const APP_DB_USER = 'parley_app';

export interface DataStackProps extends StackProps {
  readonly vpc: ec2.IVpc;
  readonly securityGroups: SecurityGroups;
  readonly logsKey: kms.IKey;
  readonly mysqlFullVersion: string;
  readonly dbInstanceClass: string;
  /**
   * Initial storage in GiB.
   * @default 100
   */
  readonly dbAllocatedStorageGiB?: number;
  /**
   * ElastiCache node type.
   * @default 'cache.t4g.medium'
   */
  readonly cacheNodeType?: string;
  /**
   * Region the daily backups are copied to.
   * @default - no cross-region copy
   */
  readonly backupCopyRegion?: string;
}

/** RDS for MySQL with its master and app-user secrets, the bootstrap step, and Valkey. */
export class DataStack extends Stack {
  readonly database: MysqlDatabase;
  readonly appUserSecret: secretsmanager.ISecret;
  readonly cache: ValkeyCache;
  readonly bootstrap: DbBootstrap;
  readonly encryptionKey: kms.Key;
  readonly rotationFunction: DbRotationFunction;
  readonly deadLetterQueue: FunctionDeadLetterQueue;
  /** The daily AWS Backup plan; the app stack adds the attachments bucket to it. */
  readonly backup: ParleyBackupPlan;

  constructor(scope: Construct, id: string, props: DataStackProps) {
    super(scope, id, props);
    const sgs = props.securityGroups;
    this.encryptionKey = new kms.Key(this, 'DataKey', {
      description: 'Parley data at rest: RDS storage, Performance Insights, Valkey, DB secrets',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.database = new MysqlDatabase(this, 'Mysql', {
      vpc: props.vpc,
      securityGroup: sgs.database,
      encryptionKey: this.encryptionKey,
      logsKey: props.logsKey,
      fullVersion: props.mysqlFullVersion,
      instanceClass: props.dbInstanceClass,
      allocatedStorageGiB: props.dbAllocatedStorageGiB ?? 100,
    });
    const db = this.database.instance;
    const isolated = { subnetType: ec2.SubnetType.PRIVATE_ISOLATED };

    // The project's own rotation function (lambda/db-rotation), not the hosted SAR application: that
    // one may fall back to PASSWORD() (gone since MySQL 8) and to plain TCP (refused here). It runs in
    // the isolated subnets with the dbRotation group (RDS 3306 and the Secrets Manager endpoint only).
    this.rotationFunction = new DbRotationFunction(this, 'DbRotation', {
      vpc: props.vpc,
      securityGroup: sgs.dbRotation,
      logsKey: props.logsKey,
      excludeCharacters: DB_PASSWORD_EXCLUDE,
    });
    const rotationLambda = this.rotationFunction.vpcFunction.function;
    const schedule = {
      rotationLambda,
      automaticallyAfter: Duration.days(30),
      // A freshly generated password needs no immediate rotation; the first one runs on schedule.
      rotateImmediatelyOnUpdate: false,
    };
    // Single user: the master changes its own password (ALTER USER … IDENTIFIED BY).
    this.database.masterSecret.addRotationSchedule('Rotation', schedule);

    // The limited app user: its own secret (with `masterarn`, which multi-user rotation needs).
    const appUserSecret = new rds.DatabaseSecret(this, 'AppUserSecret', {
      username: APP_DB_USER,
      dbname: DATABASE_NAME,
      secretName: 'parley/db/app',
      masterSecret: this.database.masterSecret,
      encryptionKey: this.encryptionKey,
      excludeCharacters: DB_PASSWORD_EXCLUDE,
    });
    this.appUserSecret = appUserSecret.attach(db);

    this.bootstrap = new DbBootstrap(this, 'Bootstrap', {
      vpc: props.vpc,
      securityGroup: sgs.dbBootstrap,
      logsKey: props.logsKey,
      masterSecret: this.database.masterSecret,
      appUserSecret: this.appUserSecret,
      databaseName: DATABASE_NAME,
    });
    // Only the instance and the attachment resources: their construct subtrees also hold the rotation
    // schedules, which must come after the bootstrap (cycle otherwise).
    this.bootstrap.resource.node.addDependency(
      db.node.defaultChild as CfnResource,
      this.appUserSecret.node.defaultChild as CfnResource,
    );

    // Alternating users: parley_app / parley_app_clone take turns, so connections opened with the
    // previous credentials keep working; the master secret (`masterarn`) creates and updates the other
    // account with the app user's statements. It may only start once the bootstrap has run.
    this.database.masterSecret.grantRead(rotationLambda);
    const appUserRotation = this.appUserSecret.addRotationSchedule('Rotation', schedule);
    appUserRotation.node.addDependency(this.bootstrap.resource);

    this.cache = new ValkeyCache(this, 'Cache', {
      subnets: props.vpc.selectSubnets(isolated).subnets,
      securityGroup: sgs.cache,
      encryptionKey: this.encryptionKey,
      logsKey: props.logsKey,
      ...(props.cacheNodeType ? { nodeType: props.cacheNodeType } : {}),
    });

    this.backup = new ParleyBackupPlan(this, 'Backup', {
      ...(props.backupCopyRegion ? { copyRegion: props.backupCopyRegion } : {}),
    });
    this.backup.plan.addSelection('Database', {
      backupSelectionName: 'parley-mysql',
      resources: [backup.BackupResource.fromRdsDatabaseInstance(db)],
      allowRestores: true,
    });

    this.deadLetterQueue = new FunctionDeadLetterQueue(this, 'FunctionDlq');
    this.deadLetterQueue.attachAll(this);
  }
}

import { type CfnResource, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { DbBootstrap } from './constructs/db-bootstrap.construct.js';
import { DB_PASSWORD_EXCLUDE, MysqlDatabase } from './constructs/mysql-database.construct.js';
import { MYSQL_PORT, type SecurityGroups } from './constructs/security-groups.construct.js';
import { ValkeyCache } from './constructs/valkey-cache.construct.js';

export const DATABASE_NAME = 'parley';
export const APP_DB_USER = 'parley_app';

export interface DataStackProps extends StackProps {
  readonly vpc: ec2.IVpc;
  readonly securityGroups: SecurityGroups;
  readonly secretsManagerEndpoint: ec2.IInterfaceVpcEndpoint;
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
}

/** RDS for MySQL with its master and app-user secrets, the bootstrap step, and Valkey. */
export class DataStack extends Stack {
  readonly database: MysqlDatabase;
  readonly appUserSecret: secretsmanager.ISecret;
  readonly cache: ValkeyCache;
  readonly bootstrap: DbBootstrap;
  readonly encryptionKey: kms.Key;

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

    // Hosted rotation Lambdas (AWS's SAR applications) run in the isolated subnets with the dbRotation
    // group, which SecurityGroups admits to RDS and to the Secrets Manager endpoint. `target` is
    // a port-only connectable so the construct adds no rule of its own (all rules live in one place).
    const rotationTarget: ec2.IConnectable = {
      connections: new ec2.Connections({ defaultPort: ec2.Port.tcp(MYSQL_PORT) }),
    };
    const rotationCommon = {
      target: rotationTarget,
      vpc: props.vpc,
      vpcSubnets: isolated,
      securityGroup: sgs.dbRotation,
      endpoint: props.secretsManagerEndpoint,
      excludeCharacters: DB_PASSWORD_EXCLUDE,
      automaticallyAfter: Duration.days(30),
      // A freshly generated password needs no immediate rotation; the first one runs on schedule.
      rotateImmediatelyOnUpdate: false,
    };
    new secretsmanager.SecretRotation(this, 'MasterRotation', {
      ...rotationCommon,
      application: secretsmanager.SecretRotationApplication.MYSQL_ROTATION_SINGLE_USER,
      secret: this.database.masterSecret,
    });

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

    // Multi-user rotation alternates parley_app / parley_app_clone so connections opened with the
    // previous credentials keep working; the app reads the secret whenever it opens a connection.
    // It clones the existing user's grants, so it may only start once the bootstrap has created it.
    const appUserRotation = new secretsmanager.SecretRotation(this, 'AppUserRotation', {
      ...rotationCommon,
      application: secretsmanager.SecretRotationApplication.MYSQL_ROTATION_MULTI_USER,
      secret: this.appUserSecret,
      masterSecret: this.database.masterSecret,
    });
    appUserRotation.node.addDependency(this.bootstrap.resource);

    this.cache = new ValkeyCache(this, 'Cache', {
      subnets: props.vpc.selectSubnets(isolated).subnets,
      securityGroup: sgs.cache,
      encryptionKey: this.encryptionKey,
      logsKey: props.logsKey,
      ...(props.cacheNodeType ? { nodeType: props.cacheNodeType } : {}),
    });
  }
}

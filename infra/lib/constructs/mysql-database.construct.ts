import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as rds from 'aws-cdk-lib/aws-rds';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';

/** Characters left out of generated DB passwords: they break URIs, shells or the MySQL client. */
export const DB_PASSWORD_EXCLUDE = ' %+~`#$&*()|[]{}:;<>?!\'/@"\\';

const INSTANCE_ID = 'parley-mysql';
const LOG_EXPORTS = ['error', 'slowquery'];

export interface MysqlDatabaseProps {
  readonly vpc: ec2.IVpc;
  readonly securityGroup: ec2.ISecurityGroup;
  /** Storage, Performance Insights and the DB secrets are encrypted with this customer key. */
  readonly encryptionKey: kms.IKey;
  readonly logsKey: kms.IKey;
  /** Full engine version of MySQL 9.7 on RDS, e.g. `9.7.0`. */
  readonly fullVersion: string;
  /** Memory-optimized Graviton class, e.g. `r8g.large`. */
  readonly instanceClass: string;
  /**
   * Initial storage in GiB (grows automatically up to 10x).
   * @default 100
   */
  readonly allocatedStorageGiB?: number;
  /**
   * Days of automated backups (point-in-time restore window).
   * @default 14
   */
  readonly backupRetentionDays?: number;
  /**
   * Master user name (the admin account; only the bootstrap and rotation use it).
   * @default 'parley_admin'
   */
  readonly masterUsername?: string;
}

/** RDS for MySQL 9.7, Multi-AZ, TLS only, encrypted, in the isolated subnets. */
export class MysqlDatabase extends Construct {
  readonly instance: rds.DatabaseInstance;
  readonly masterSecret: secretsmanager.ISecret;
  readonly parameterGroup: rds.ParameterGroup;

  constructor(scope: Construct, id: string, props: MysqlDatabaseProps) {
    super(scope, id);
    // aws-cdk-lib has no MysqlEngineVersion constant for 9.7 yet; `of` names it explicitly. The full
    // version comes from context so a patch upgrade is a context change, not a code change.
    const engine = rds.DatabaseInstanceEngine.mysql({
      version: rds.MysqlEngineVersion.of(props.fullVersion, '9.7'),
    });

    this.parameterGroup = new rds.ParameterGroup(this, 'Parameters', {
      engine,
      description: 'Parley MySQL 9.7: TLS required, utf8mb4 binary collation, slow query log',
      parameters: {
        // The notes: "Connect to the database using SSL". The server refuses plain TCP for everyone.
        require_secure_transport: '1',
        character_set_server: 'utf8mb4',
        collation_server: 'utf8mb4_bin',
        slow_query_log: '1',
        long_query_time: '1',
      },
    });

    // Log groups made here (encrypted, retained) instead of by RDS: RDS writes into existing groups.
    for (const type of LOG_EXPORTS) {
      new logs.LogGroup(this, `Logs-${type}`, {
        logGroupName: `/aws/rds/instance/${INSTANCE_ID}/${type}`,
        retention: logs.RetentionDays.ONE_YEAR,
        encryptionKey: props.logsKey,
        removalPolicy: RemovalPolicy.RETAIN,
      });
    }

    this.instance = new rds.DatabaseInstance(this, 'Instance', {
      instanceIdentifier: INSTANCE_ID,
      engine,
      instanceType: new ec2.InstanceType(props.instanceClass),
      vpc: props.vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
      securityGroups: [props.securityGroup],
      port: 3306,
      multiAz: true,
      parameterGroup: this.parameterGroup,
      credentials: rds.Credentials.fromGeneratedSecret(props.masterUsername ?? 'parley_admin', {
        secretName: 'parley/db/master',
        encryptionKey: props.encryptionKey,
        excludeCharacters: DB_PASSWORD_EXCLUDE,
      }),
      storageEncrypted: true,
      storageEncryptionKey: props.encryptionKey,
      storageType: rds.StorageType.GP3,
      allocatedStorage: props.allocatedStorageGiB ?? 100,
      maxAllocatedStorage: (props.allocatedStorageGiB ?? 100) * 10,
      caCertificate: rds.CaCertificate.RDS_CA_RSA2048_G1,
      // The bootstrap uses the master secret; IAM auth is the operators' break-glass path
      // (short-lived `rds generate-db-auth-token`, no stored password; docs/operations.md).
      iamAuthentication: true,
      deletionProtection: true,
      removalPolicy: RemovalPolicy.SNAPSHOT,
      backupRetention: Duration.days(props.backupRetentionDays ?? 14),
      preferredBackupWindow: '02:00-03:00',
      preferredMaintenanceWindow: 'sun:03:30-sun:04:30',
      copyTagsToSnapshot: true,
      autoMinorVersionUpgrade: true,
      enablePerformanceInsights: true,
      performanceInsightEncryptionKey: props.encryptionKey,
      performanceInsightRetention: rds.PerformanceInsightRetention.DEFAULT,
      monitoringInterval: Duration.seconds(60),
      cloudwatchLogsExports: LOG_EXPORTS,
      publiclyAccessible: false,
    });
    // The CloudFormation schema (used by CDK's validation and by cfn-lint E3691) lists RDS engine
    // versions only up to 8.4 so far; RDS offers 9.7. Only that one check is silenced, on this resource.
    const cfnInstance = this.instance.node.defaultChild as rds.CfnDBInstance;
    Validations.of(cfnInstance).acknowledge({
      id: 'CloudFormation-Validate::E9006',
      reason:
        'The CloudFormation schema enum for EngineVersion lags RDS; MySQL 9.7 is a valid RDS engine version',
    });
    cfnInstance.addMetadata('cfn-lint', { config: { ignore_checks: ['E3691'] } });
    if (!this.instance.secret) throw new Error('generated master secret missing');
    this.masterSecret = this.instance.secret;
  }
}

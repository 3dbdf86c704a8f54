import { RemovalPolicy } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elasticache from 'aws-cdk-lib/aws-elasticache';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { REDIS_PORT } from './security-groups.construct.js';

export interface ValkeyCacheProps {
  readonly subnets: ec2.ISubnet[];
  readonly securityGroup: ec2.ISecurityGroup;
  readonly encryptionKey: kms.IKey;
  readonly logsKey: kms.IKey;
  /**
   * Node type.
   * @default 'cache.t4g.medium'
   */
  readonly nodeType?: string;
  /**
   * Valkey engine version.
   * @default '8.0'
   */
  readonly engineVersion?: string;
}

/**
 * Valkey (Redis-compatible) for WebSocket fan-out between instances and the shared rate-limit store:
 * primary + replica in two AZs with automatic failover, TLS required, AUTH token from Secrets Manager.
 */
export class ValkeyCache extends Construct {
  readonly replicationGroup: elasticache.CfnReplicationGroup;
  readonly authSecret: secretsmanager.Secret;

  constructor(scope: Construct, id: string, props: ValkeyCacheProps) {
    super(scope, id);
    // ElastiCache AUTH tokens allow printable ASCII except a few symbols: letters and digits are safe.
    this.authSecret = new secretsmanager.Secret(this, 'AuthToken', {
      secretName: 'parley/cache/auth-token',
      description: 'Parley Valkey AUTH token',
      encryptionKey: props.encryptionKey,
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const subnetGroup = new elasticache.CfnSubnetGroup(this, 'Subnets', {
      description: 'Parley Valkey: isolated subnets',
      subnetIds: props.subnets.map((subnet) => subnet.subnetId),
    });
    const slowLog = new logs.LogGroup(this, 'SlowLog', {
      retention: logs.RetentionDays.ONE_YEAR,
      encryptionKey: props.logsKey,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.replicationGroup = new elasticache.CfnReplicationGroup(this, 'ReplicationGroup', {
      replicationGroupDescription: 'Parley fan-out and rate limits',
      engine: 'valkey',
      engineVersion: props.engineVersion ?? '8.0',
      cacheNodeType: props.nodeType ?? 'cache.t4g.medium',
      numCacheClusters: 2,
      multiAzEnabled: true,
      automaticFailoverEnabled: true,
      port: REDIS_PORT,
      cacheSubnetGroupName: subnetGroup.ref,
      securityGroupIds: [props.securityGroup.securityGroupId],
      transitEncryptionEnabled: true,
      transitEncryptionMode: 'required',
      atRestEncryptionEnabled: true,
      kmsKeyId: props.encryptionKey.keyArn,
      authToken: this.authSecret.secretValue.unsafeUnwrap(),
      autoMinorVersionUpgrade: true,
      snapshotRetentionLimit: 15,
      snapshotWindow: '03:00-04:00',
      preferredMaintenanceWindow: 'sun:04:30-sun:05:30',
      logDeliveryConfigurations: [
        {
          destinationType: 'cloudwatch-logs',
          logFormat: 'json',
          logType: 'slow-log',
          destinationDetails: { cloudWatchLogsDetails: { logGroup: slowLog.logGroupName } },
        },
      ],
    });
  }
}

import { existsSync } from 'node:fs';
import path from 'node:path';
import { Annotations, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import type * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as backup from 'aws-cdk-lib/aws-backup';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import { APP_METRICS_HOST, APP_METRICS_LOG_GROUP, APP_METRICS_PORT } from './app-metrics.js';
import { AppFleet } from './constructs/app-fleet.construct.js';
import { AppLoadBalancer } from './constructs/app-load-balancer.construct.js';
import { BUNDLE_MANIFEST } from './constructs/app-user-data.js';
import { ATTACHMENTS_PREFIX, AttachmentsBucket } from './constructs/attachments-bucket.construct.js';
import type { KeyringPurpose } from './constructs/keyring-secret.construct.js';
import { LogBucket } from './constructs/log-bucket.construct.js';
import { APP_PORT, REDIS_PORT, type SecurityGroups } from './constructs/security-groups.construct.js';
import type { DataStack } from './data.stack.js';
import { originVerifyValue, type SecretsStack } from './secrets.stack.js';

const INFRA_ROOT = path.resolve(import.meta.dirname, '..');
/** Committed stand-in so synth works before the app is packaged; instances refuse to start with it. */
export const PLACEHOLDER_BUNDLE = path.join(INFRA_ROOT, 'assets/app-bundle-placeholder');

export interface AppStackProps extends StackProps {
  readonly vpc: ec2.IVpc;
  readonly securityGroups: SecurityGroups;
  readonly s3Endpoint: ec2.IGatewayVpcEndpoint;
  readonly logsKey: kms.IKey;
  readonly data: DataStack;
  readonly secrets: SecretsStack;
  readonly instanceType: string;
  readonly minCapacity: number;
  readonly maxCapacity: number;
  /** Scale out when an instance serves more than this many ALB requests per minute. */
  readonly requestsPerInstancePerMinute: number;
  /** Scale out when instances hold more than this many WebSockets on average. */
  readonly wsConnectionsPerInstance: number;
  /** From the alerts stack: launch/terminate errors. */
  readonly alarmTopic: sns.ITopic;
  /** From the alerts stack: launches and terminations. */
  readonly eventTopic: sns.ITopic;
  /** Directory with the packaged app; relative paths are resolved against infra/. */
  readonly appBundleDir: string;
  /**
   * Version of the origin-verify secret to resolve.
   * @default - AWSCURRENT at the time the listener rule was last updated
   */
  readonly originVerifyVersionId?: string;
  /** SMTP server (no credentials: those are in the SMTP secret), e.g. `smtp://email-smtp.eu-west-1.amazonaws.com:587`. */
  readonly smtpUrl: string;
  /** Sender address of Parley's mail. */
  readonly smtpFrom: string;
  /** Public origin of the site, e.g. `https://chat.example.com` (CORS / Origin checks). */
  readonly publicUrl?: string;
  /**
   * Regional ACM certificate for the ALB.
   * @default - HTTP-only mode between CloudFront and the ALB (documented in docs/deploy-to-aws.md)
   */
  readonly albCertificateArn?: string;
}

/** ALB + EC2 Auto Scaling group running the API, the attachments bucket and the app's permissions. */
export class AppStack extends Stack {
  readonly loadBalancer: AppLoadBalancer;
  readonly fleet: AppFleet;
  readonly attachments: AttachmentsBucket;
  readonly originVerifySecret: secretsmanager.ISecret;
  readonly logGroup: logs.LogGroup;
  /** EMF events of the CloudWatch agent; the `Parley` metrics are extracted from them. */
  readonly metricsLogGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: AppStackProps) {
    super(scope, id, props);
    const sgs = props.securityGroups;
    const logBucket = new LogBucket(this, 'AccessLogs').bucket;

    // AWS Backup reads (and restores) attachment objects from outside the VPC with this role only.
    const attachmentsBackupRole = new iam.Role(this, 'AttachmentsBackupRole', {
      assumedBy: new iam.ServicePrincipal('backup.amazonaws.com'),
      description: 'AWS Backup: back up and restore the Parley attachments bucket',
      managedPolicies: [
        iam.ManagedPolicy.fromAwsManagedPolicyName('AWSBackupServiceRolePolicyForS3Backup'),
        iam.ManagedPolicy.fromAwsManagedPolicyName('AWSBackupServiceRolePolicyForS3Restore'),
      ],
    });
    this.attachments = new AttachmentsBucket(this, 'Attachments', {
      endpoint: props.s3Endpoint,
      accessLogsBucket: logBucket,
      outsideVpcRoles: [attachmentsBackupRole],
    });
    new backup.BackupSelection(this, 'AttachmentsBackup', {
      backupPlan: props.data.backup.plan,
      backupSelectionName: 'parley-attachments',
      resources: [backup.BackupResource.fromArn(this.attachments.bucket.bucketArn)],
      role: attachmentsBackupRole,
      disableDefaultBackupPolicy: true,
    });
    this.logGroup = new logs.LogGroup(this, 'AppLogs', {
      logGroupName: '/parley/app',
      retention: logs.RetentionDays.ONE_YEAR,
      encryptionKey: props.logsKey,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.metricsLogGroup = new logs.LogGroup(this, 'MetricsLogs', {
      logGroupName: APP_METRICS_LOG_GROUP,
      // Only the carrier of the metrics: CloudWatch keeps the extracted metrics for 15 months.
      retention: logs.RetentionDays.ONE_MONTH,
      encryptionKey: props.logsKey,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.originVerifySecret = props.secrets.originVerifySecret;

    this.loadBalancer = new AppLoadBalancer(this, 'LoadBalancer', {
      vpc: props.vpc,
      securityGroups: [sgs.alb, sgs.albHttp],
      originVerifyValue: originVerifyValue(this.originVerifySecret, props.originVerifyVersionId ?? ''),
      accessLogsBucket: logBucket,
      ...(props.albCertificateArn ? { certificateArn: props.albCertificateArn } : {}),
    });

    const bundleDir = path.resolve(INFRA_ROOT, props.appBundleDir);
    // A packaged app has its compiled code and the manifest package-app.ts writes after installing
    // the production dependencies for the instances' platform.
    const packaged =
      existsSync(path.join(bundleDir, 'apps/api/dist/main.js')) &&
      existsSync(path.join(bundleDir, BUNDLE_MANIFEST));
    if (!packaged) {
      Annotations.of(this).addWarningV2(
        'parley:app-bundle-missing',
        `No packaged app in ${bundleDir}: using the placeholder bundle, on which instances refuse to start. ` +
          'Run `npm run package:app -w @parley/infra` before `cdk deploy`.',
      );
    }
    const appBundle = new s3assets.Asset(this, 'AppBundle', {
      path: packaged ? bundleDir : PLACEHOLDER_BUNDLE,
    });

    const { data, secrets } = props;
    const keyringEnv = (purpose: KeyringPurpose) => secrets.keyrings[purpose].secretArn;
    this.fleet = new AppFleet(this, 'Fleet', {
      vpc: props.vpc,
      securityGroup: sgs.app,
      appBundle,
      logGroupName: this.logGroup.logGroupName,
      instanceType: props.instanceType,
      minCapacity: props.minCapacity,
      maxCapacity: props.maxCapacity,
      alarmTopic: props.alarmTopic,
      eventTopic: props.eventTopic,
      scaling: {
        requestCountResourceLabel: `${this.loadBalancer.alb.loadBalancerFullName}/${this.loadBalancer.targetGroup.targetGroupFullName}`,
        requestsPerInstancePerMinute: props.requestsPerInstancePerMinute,
        wsConnectionsPerInstance: props.wsConnectionsPerInstance,
      },
      environment: {
        NODE_ENV: 'production',
        HOST: '0.0.0.0',
        PORT: String(APP_PORT),
        AWS_REGION: this.region,
        ...(props.publicUrl ? { PUBLIC_URL: props.publicUrl } : {}),
        // CloudFront → ALB → instance: trust the two proxy hops for the client address.
        TRUST_PROXY: '2',
        DATA_DIR: '/var/lib/parley',
        SECRETS_SOURCE: 'aws',
        DATABASE_SECRET_ID: data.appUserSecret.secretArn,
        DATABASE_NAME: 'parley',
        REDIS_URL: `rediss://${data.cache.replicationGroup.attrPrimaryEndPointAddress}:${REDIS_PORT}`,
        REDIS_AUTH_SECRET_ID: data.cache.authSecret.secretArn,
        SMTP_SECRET_ID: secrets.smtpSecret.secretArn,
        SMTP_URL: props.smtpUrl,
        SMTP_FROM: props.smtpFrom,
        SECRET_ID_ACTIVE_SESSION: keyringEnv('active_session'),
        SECRET_ID_VERIFY_EMAIL: keyringEnv('verify_email_session'),
        SECRET_ID_PASSWORD_RESET: keyringEnv('password_reset_session'),
        SECRET_ID_MFA_ENCRYPTION: secrets.mfaEncryptionSecret.secretArn,
        BLOB_STORE: `s3://${this.attachments.bucket.bucketName}/${ATTACHMENTS_PREFIX}`,
        // Longer than the ALB's idle timeout, so the ALB never reuses a connection the app just closed.
        HTTP_KEEP_ALIVE_TIMEOUT: `${this.loadBalancer.idleTimeout.toSeconds() + 10}s`,
        // Prometheus listener for the CloudWatch agent, loopback only (docs/adr/0013-metrics-delivery.md).
        METRICS_PORT: String(APP_METRICS_PORT),
        METRICS_HOST: APP_METRICS_HOST,
      },
    });
    const asgResource = this.fleet.asg.node.defaultChild as autoscaling.CfnAutoScalingGroup;
    asgResource.targetGroupArns = [this.loadBalancer.targetGroup.targetGroupArn];

    // Least privilege: the app's own secrets (never the DB master secret), its log group, its prefix.
    const role = this.fleet.role;
    const readable = {
      AppUser: data.appUserSecret,
      CacheAuth: data.cache.authSecret,
      Smtp: secrets.smtpSecret,
      MfaEncryption: secrets.mfaEncryptionSecret,
      ...Object.fromEntries(Object.entries(secrets.keyrings).map(([purpose, secret]) => [purpose, secret])),
    };
    for (const [name, secret] of Object.entries(readable))
      this.importSecret(`Read-${name}`, secret).grantRead(role);
    this.logGroup.grantWrite(role);
    this.metricsLogGroup.grantWrite(role);
    role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'AttachmentObjects',
        // Delete: the orphan-upload sweeper and refused uploads remove bytes (rows stay, soft-deleted).
        // Abort: an upload cut off mid-way (size, quota, too slow) abandons its multipart upload.
        actions: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject', 's3:AbortMultipartUpload'],
        resources: [this.attachments.bucket.arnForObjects(`${ATTACHMENTS_PREFIX}*`)],
      }),
    );
    role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'AttachmentListing',
        actions: ['s3:ListBucket'],
        resources: [this.attachments.bucket.bucketArn],
        conditions: { StringLike: { 's3:prefix': [`${ATTACHMENTS_PREFIX}*`] } },
      }),
    );
    // Exactly what SSE-KMS needs: a data key to write, Decrypt to read.
    role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'AttachmentsKey',
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: [this.attachments.key.keyArn],
      }),
    );
  }

  /**
   * A secret of another stack, re-imported so grants land in the instance role's policy: granting on
   * the owned key would write this role into that stack's key policy and make the stacks cyclic.
   */
  private importSecret(id: string, secret: secretsmanager.ISecret): secretsmanager.ISecret {
    const key = secret.encryptionKey;
    return secretsmanager.Secret.fromSecretAttributes(this, id, {
      secretCompleteArn: secret.secretArn,
      ...(key ? { encryptionKey: kms.Key.fromKeyArn(this, `${id}Key`, key.keyArn) } : {}),
    });
  }
}

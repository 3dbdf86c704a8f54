import type { CfnResource, Stack } from 'aws-cdk-lib';
import { CfnPolicy } from 'aws-cdk-lib/aws-iam';
import { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { CfnBucket } from 'aws-cdk-lib/aws-s3';
import { type NagPackSuppression, NagSuppressions } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import type { ParleyStacks } from './parley-app.js';

/*
 * Every acknowledged cdk-nag finding, with its reason. The synthesized list is compared with the
 * reviewed file nag-acknowledgements.json by test/nag.test.ts: a new acknowledgement needs review.
 * Reasons are plain ASCII: cdk-nag stores any other text base64-encoded, unreadable in review.
 */

type Ack = NagPackSuppression;

/** Acknowledges on the construct at `path` below `stack`; skips constructs absent in this configuration. */
function ack(stack: Stack, path: string, acks: Ack[]): void {
  let node: IConstruct | undefined = stack;
  for (const id of path.split('/')) node = node?.node.tryFindChild(id);
  if (node) NagSuppressions.addResourceSuppressions(node, acks);
}

const LAMBDA_CONCURRENCY =
  'Deploy-time or monthly function with a handful of invocations; reserving concurrency would only take capacity from the account pool (and fails in accounts with the default limit of 10).';
const INLINE_POLICY =
  "CDK grants render as an inline policy attached to exactly one role, scoped to that role's resources; a customer managed policy would carry the same statements with no added control.";
/** Per bucket: why live cross-region replication is not the recovery path for it. */
const BUCKET_REPLICATION: Record<string, string> = {
  'Parley-App/Attachments/Bucket/Resource':
    'Recovery is AWS Backup (daily, 35 days, copied to parley:backupCopyRegion when set) plus versioning; live replication would also copy a mistaken overwrite instantly.',
  'Parley-App/AccessLogs/Bucket/Resource':
    'ALB and S3 access logs (expiring after a year), not primary data; losing a region loses the service being logged too.',
  'Parley-Edge/Logs/Bucket/Resource':
    'CloudFront access logs (expiring after a year), not primary data; they are not restored after a disaster.',
  'Parley-Edge/SiteBucket/Resource':
    'Built SPA assets, re-uploaded from the repository by every deploy (BucketDeployment); nothing to recover.',
};

/** Findings that recur on every resource of a kind, acknowledged per resource with the same reason. */
function acknowledgeRecurring(node: IConstruct): void {
  if (node instanceof CfnPolicy) {
    NagSuppressions.addResourceSuppressions(node, [
      { id: 'NIST.800.53.R5-IAMNoInlinePolicy', reason: INLINE_POLICY },
    ]);
  } else if (node instanceof CfnFunction) {
    NagSuppressions.addResourceSuppressions(node, [
      { id: 'NIST.800.53.R5-LambdaConcurrency', reason: LAMBDA_CONCURRENCY },
    ]);
  } else if (node instanceof CfnBucket) {
    const reason = BUCKET_REPLICATION[node.node.path];
    if (!reason) throw new Error(`no replication reason for bucket ${node.node.path}`);
    NagSuppressions.addResourceSuppressions(node, [
      { id: 'NIST.800.53.R5-S3BucketReplicationEnabled', reason },
    ]);
  }
}

const BASIC_EXECUTION =
  'Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole';
const VPC_EXECUTION =
  'Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole';
const MANAGED_LAMBDA_ROLE =
  'AWS-maintained Lambda execution policy (CloudWatch Logs, and ENI management for VPC functions); it holds no data-access permissions.';
const BACKUP_ROLE =
  'AWS-maintained AWS Backup service-role policies, which AWS updates as the service changes; the role can only be assumed by backup.amazonaws.com and is used only by this selection.';
const OUTSIDE_VPC =
  'CDK framework function that only relays to CloudFormation (response URL) and calls one AWS API; it touches no data plane, so it runs outside the VPC, which has no route to those endpoints from isolated subnets.';

export function acknowledgeFindings(stacks: ParleyStacks): void {
  const { network, secrets, data, app, edge } = stacks;
  for (const stack of Object.values(stacks)) stack.node.findAll().forEach(acknowledgeRecurring);

  for (const az of [1, 2]) {
    ack(network, `Vpc/publicSubnet${az}/DefaultRoute`, [
      {
        id: 'NIST.800.53.R5-VPCNoUnrestrictedRouteToIGW',
        reason:
          'Public subnets hold only the internet-facing ALB (ingress limited to CloudFront) and the NAT gateways, both of which need the default route to the internet gateway.',
      },
    ]);
  }

  ack(secrets, 'KeyringRotation/Fn/Function/ServiceRole/Resource', [
    { id: 'AwsSolutions-IAM4', reason: MANAGED_LAMBDA_ROLE, appliesTo: [BASIC_EXECUTION, VPC_EXECUTION] },
  ]);
  ack(secrets, 'KeyringRotation/Fn/Function/ServiceRole/DefaultPolicy/Resource', [
    {
      id: 'AwsSolutions-IAM5',
      reason:
        'secretsmanager:GetRandomPassword has no resource-level permissions (CDK adds it for every rotation function); all other actions are scoped to the three keyring secrets.',
      appliesTo: ['Resource::*'],
    },
  ]);
  ack(secrets, 'AWS679f53fac002430cb0da5b7982bd2287/Resource', [
    { id: 'NIST.800.53.R5-LambdaInsideVPC', reason: OUTSIDE_VPC },
  ]);
  const noRotation = (what: string, how: string): Ack[] => [
    { id: 'AwsSolutions-SMG4', reason: `${what}: ${how}` },
    { id: 'NIST.800.53.R5-SecretsManagerRotationEnabled', reason: `${what}: ${how}` },
  ];
  ack(
    secrets,
    'SmtpSecret/Resource',
    noRotation(
      'SMTP credentials are issued by the external mail provider',
      'rotated there and put here by the operator (docs/operations.md).',
    ),
  );
  ack(
    secrets,
    'MfaEncryption/Resource',
    noRotation(
      'MFA key material: TOTP secrets sealed under it must stay readable',
      'a rotation is a manual new version whose predecessor stays AWSPREVIOUS and still opens them (docs/operations.md).',
    ),
  );
  ack(
    secrets,
    'OriginVerify/Resource',
    noRotation(
      'Origin header shared by CloudFront and the ALB rule',
      'rotation must update both in one deploy, which is the documented procedure (docs/operations.md).',
    ),
  );

  ack(data, 'Mysql/Instance/Resource', [
    {
      id: 'AwsSolutions-RDS11',
      reason:
        'The design notes fix MySQL on 3306 and every security group rule is written for it; the database is only reachable from three security groups in isolated subnets, so a non-default port adds no protection.',
    },
    {
      id: 'NIST.800.53.R5-RDSLoggingEnabled',
      reason:
        'error and slowquery logs are exported; the general log would copy every statement (with message text) into CloudWatch, and the audit log needs an option-group plugin that RDS does not offer for MySQL 9.7.',
      appliesTo: ['LogExport::audit', 'LogExport::general'],
    },
  ]);
  ack(data, 'Mysql/Instance/MonitoringRole/Resource', [
    {
      id: 'AwsSolutions-IAM4',
      reason: 'AWS-maintained Enhanced Monitoring policy, the only one RDS accepts for the monitoring role.',
      appliesTo: [
        'Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole',
      ],
    },
  ]);
  ack(data, 'DbRotation/Fn/Function/ServiceRole/Resource', [
    { id: 'AwsSolutions-IAM4', reason: MANAGED_LAMBDA_ROLE, appliesTo: [BASIC_EXECUTION, VPC_EXECUTION] },
  ]);
  ack(data, 'DbRotation/Fn/Function/ServiceRole/DefaultPolicy/Resource', [
    {
      id: 'AwsSolutions-IAM5',
      reason:
        'secretsmanager:GetRandomPassword has no resource-level permissions (CDK adds it for every rotation function); all other actions are scoped to the master and app-user secrets.',
      appliesTo: ['Resource::*'],
    },
  ]);
  ack(data, 'Backup/Plan/Database/Role/Resource', [
    {
      id: 'AwsSolutions-IAM4',
      reason: BACKUP_ROLE,
      appliesTo: [
        'Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup',
        'Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForRestores',
      ],
    },
  ]);
  ack(data, 'Bootstrap/Fn/Function/ServiceRole/Resource', [
    { id: 'AwsSolutions-IAM4', reason: MANAGED_LAMBDA_ROLE, appliesTo: [BASIC_EXECUTION, VPC_EXECUTION] },
  ]);
  ack(data, 'Bootstrap/Provider/framework-onEvent/ServiceRole/Resource', [
    { id: 'AwsSolutions-IAM4', reason: MANAGED_LAMBDA_ROLE, appliesTo: [BASIC_EXECUTION] },
  ]);
  ack(data, 'Bootstrap/Provider/framework-onEvent/ServiceRole/DefaultPolicy/Resource', [
    {
      id: 'AwsSolutions-IAM5',
      reason:
        'The provider framework may invoke any version of the one bootstrap function (`<arn>:*`), nothing else.',
      appliesTo: [{ regex: '/^Resource::<BootstrapFnFunction[0-9A-F]+\\.Arn>:\\*$/' }],
    },
  ]);
  ack(data, 'Bootstrap/Provider/framework-onEvent/Resource', [
    { id: 'NIST.800.53.R5-LambdaInsideVPC', reason: OUTSIDE_VPC },
  ]);
  ack(
    data,
    'Cache/AuthToken/Resource',
    noRotation(
      'Valkey AUTH token',
      'ElastiCache rotates AUTH tokens only through a ROTATE/SET modification, not a Secrets Manager rotation function; the procedure is in docs/operations.md.',
    ),
  );

  ack(app, 'Fleet/Role/Resource', [
    {
      id: 'AwsSolutions-IAM4',
      reason:
        'AWS-maintained minimum policy for Session Manager, which replaces SSH (no key pair, no port 22).',
      appliesTo: ['Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonSSMManagedInstanceCore'],
    },
  ]);
  ack(app, 'Fleet/Role/DefaultPolicy/Resource', [
    {
      id: 'AwsSolutions-IAM5',
      reason:
        'The instances may read and write attachment objects under their own prefix only; keys are random, so the prefix is the narrowest scope.',
      appliesTo: [{ regex: '/^Resource::<AttachmentsBucket[0-9A-F]+\\.Arn>\\/attachments\\/\\*$/' }],
    },
  ]);
  ack(app, 'AttachmentsBackupRole/Resource', [
    {
      id: 'AwsSolutions-IAM4',
      reason: BACKUP_ROLE,
      appliesTo: [
        'Policy::arn:<AWS::Partition>:iam::aws:policy/AWSBackupServiceRolePolicyForS3Backup',
        'Policy::arn:<AWS::Partition>:iam::aws:policy/AWSBackupServiceRolePolicyForS3Restore',
      ],
    },
  ]);
  ack(app, 'LoadBalancer/Alb/Resource', [
    {
      id: 'NIST.800.53.R5-ALBWAFEnabled',
      reason:
        'WAF is attached to CloudFront; the ALB accepts only CloudFront origin-facing addresses and requests with the secret origin header, so every request has passed WAF.',
    },
  ]);
  // Plain-HTTP origin: only with the explicit parley:INSECURE_plainHttpOrigin=true (trial without a domain).
  const httpOnly =
    'Plain HTTP from CloudFront to the ALB, selected explicitly with parley:INSECURE_plainHttpOrigin=true for a trial without a domain; viewers still get HTTPS from CloudFront (docs/deploy-to-aws.md).';
  ack(app, 'LoadBalancer/Alb/Http/Resource', [
    { id: 'NIST.800.53.R5-ELBv2ACMCertificateRequired', reason: httpOnly },
    { id: 'NIST.800.53.R5-ALBHttpToHttpsRedirection', reason: httpOnly },
  ]);

  ack(app, 'LoadBalancer/Alb/HttpRedirect/Resource', [
    {
      id: 'NIST.800.53.R5-ELBv2ACMCertificateRequired',
      reason:
        'The port 80 listener serves nothing: its only action is a permanent redirect to HTTPS on 443 (the notes: ALB on 80 and 443).',
    },
  ]);
  const distribution = edge.site.distribution.node.defaultChild as CfnResource;
  const edgeAcks: Ack[] = [
    {
      id: 'AwsSolutions-CFR1',
      reason: 'Parley serves users in any country; no geographic restriction is a product requirement.',
    },
  ];
  if (!app.loadBalancer.https) edgeAcks.push({ id: 'AwsSolutions-CFR5', reason: httpOnly });
  if (!edge.node.tryGetContext('parley:domainName')) {
    edgeAcks.push({
      id: 'AwsSolutions-CFR4',
      reason:
        'No custom domain configured, so CloudFront uses its default certificate; with parley:domainName the distribution uses TLSv1.2_2021.',
    });
  }
  NagSuppressions.addResourceSuppressions(distribution, edgeAcks);
  for (const bucket of ['Logs/Bucket/Resource', 'SiteBucket/Resource']) {
    ack(edge, bucket, [
      {
        id: 'NIST.800.53.R5-S3DefaultEncryptionKMS',
        reason:
          bucket === 'SiteBucket/Resource'
            ? 'Public SPA assets served by CloudFront; SSE-S3 avoids coupling a KMS key policy to the distribution for data that is not secret.'
            : 'CloudFront standard logging cannot write to buckets encrypted with a customer KMS key; SSE-S3 is used.',
      },
    ]);
  }
  // CDK's BucketDeployment handler (only when a built SPA is packaged): copies the site asset zip
  // from the CDK assets bucket into the site bucket and invalidates the distribution.
  const deployment = edge.node.children.find((child) =>
    child.node.id.startsWith('Custom::CDKBucketDeployment'),
  );
  if (deployment) {
    const id = deployment.node.id;
    ack(edge, `${id}/ServiceRole/Resource`, [
      { id: 'AwsSolutions-IAM4', reason: MANAGED_LAMBDA_ROLE, appliesTo: [BASIC_EXECUTION] },
    ]);
    ack(edge, `${id}/ServiceRole/DefaultPolicy/Resource`, [
      {
        id: 'AwsSolutions-IAM5',
        reason:
          'CDK-generated grants of the site deployment: read the CDK assets bucket, write/delete objects of the site bucket only, and create CloudFront invalidations (no resource-level permission).',
        appliesTo: [
          'Action::s3:GetBucket*',
          'Action::s3:GetObject*',
          'Action::s3:List*',
          'Action::s3:Abort*',
          'Action::s3:DeleteObject*',
          { regex: '/^Resource::arn:aws:s3:::cdk-[a-z0-9]+-assets-\\d{12}-[a-z0-9-]+\\/\\*$/' },
          { regex: '/^Resource::<SiteBucket[0-9A-F]+\\.Arn>\\/\\*$/' },
          'Resource::*',
        ],
      },
    ]);
    ack(edge, `${id}/Resource`, [
      {
        id: 'AwsSolutions-L1',
        reason:
          'The BucketDeployment handler runtime is pinned by aws-cdk-lib (Python with the AWS CLI layer); it is upgraded with aws-cdk-lib.',
      },
      {
        id: 'NIST.800.53.R5-LambdaInsideVPC',
        reason:
          'Deploy-time copy between two S3 buckets plus a CloudFront invalidation; no VPC resource is involved.',
      },
    ]);
  }
  ack(app, 'AccessLogs/Bucket/Resource', [
    {
      id: 'NIST.800.53.R5-S3DefaultEncryptionKMS',
      reason: 'ALB access log delivery supports only SSE-S3 buckets.',
    },
  ]);
}

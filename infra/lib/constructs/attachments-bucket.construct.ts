import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

/** Days a deleted attachment's bytes stay restorable as an old object version (RDS keeps 14 days of backups). */
export const ATTACHMENT_VERSION_RETENTION_DAYS = 14;

/** Key prefix the app stores attachment blobs under; the instance role is limited to it. */
export const ATTACHMENTS_PREFIX = 'attachments/';

/**
 * Object data-plane actions the bucket policy denies outside the VPC endpoint. Bucket configuration
 * actions (s3:PutBucketPolicy, s3:PutBucketVersioning, …) are deliberately not listed: CloudFormation
 * must still be able to update or remove this policy and the bucket settings from outside the VPC.
 */
export const DATA_PLANE_ACTIONS = [
  's3:GetObject*',
  's3:PutObject*',
  's3:DeleteObject*',
  's3:ListBucket*',
  's3:ListMultipartUploadParts',
  's3:AbortMultipartUpload',
  's3:RestoreObject',
  's3:ReplicateObject',
];

export interface AttachmentsBucketProps {
  /** The S3 gateway endpoint of the app VPC: the only way in. */
  readonly endpoint: ec2.IGatewayVpcEndpoint;
  /** Bucket receiving S3 server access logs. */
  readonly accessLogsBucket: s3.IBucket;
  /**
   * Roles that read and write objects from outside the VPC on purpose: AWS Backup's backup and
   * restore role (the service runs outside the VPC and cannot use the endpoint).
   * @default - none
   */
  readonly outsideVpcRoles?: iam.IRole[];
  /**
   * Days a replaced object version is kept before it expires.
   * @default 90
   */
  readonly noncurrentVersionDays?: number;
}

/**
 * Attachments bucket reachable only from the app instances (the notes' "security group for the S3
 * bucket": S3 has none, so the bucket policy admits only requests through the VPC endpoint).
 */
export class AttachmentsBucket extends Construct {
  readonly bucket: s3.Bucket;
  readonly key: kms.Key;

  constructor(scope: Construct, id: string, props: AttachmentsBucketProps) {
    super(scope, id);
    this.key = new kms.Key(this, 'Key', {
      description: 'Parley attachments bucket',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.bucket = new s3.Bucket(this, 'Bucket', {
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: this.key,
      bucketKeyEnabled: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      versioned: true,
      serverAccessLogsBucket: props.accessLogsBucket,
      serverAccessLogsPrefix: 'attachments-bucket/',
      removalPolicy: RemovalPolicy.RETAIN,
      // The app deletes the bytes of uploads nobody sent; in a versioned bucket that leaves the old
      // version. Kept as long as database point-in-time restore reaches back, then gone for good (AWS
      // Backup keeps its own 35-day copies). Users never delete attachments (soft delete).
      lifecycleRules: [
        {
          id: 'RemovedAttachments',
          noncurrentVersionExpiration: Duration.days(
            props.noncurrentVersionDays ?? ATTACHMENT_VERSION_RETENTION_DAYS,
          ),
          expiredObjectDeleteMarker: true,
          // Backstop for multipart uploads an instance could not abort (it died mid-upload).
          abortIncompleteMultipartUploadAfter: Duration.days(1),
        },
      ],
    });
    this.bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'DenyDataAccessOutsideVpcEndpoint',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: DATA_PLANE_ACTIONS,
        resources: [this.bucket.bucketArn, this.bucket.arnForObjects('*')],
        conditions: {
          StringNotEquals: { 'aws:SourceVpce': props.endpoint.vpcEndpointId },
          ...(props.outsideVpcRoles?.length
            ? { ArnNotEquals: { 'aws:PrincipalArn': props.outsideVpcRoles.map((role) => role.roleArn) } }
            : {}),
        },
      }),
    );
  }
}

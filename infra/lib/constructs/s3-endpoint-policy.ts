import type { Stack } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';

/** Object actions the app and the instance boot need through the endpoint (no s3:*). */
export const OWN_BUCKET_ACTIONS = [
  's3:GetObject',
  's3:PutObject',
  's3:DeleteObject',
  's3:ListBucket',
  's3:GetBucketLocation',
  's3:AbortMultipartUpload',
  's3:ListMultipartUploadParts',
];

/** AWS-owned buckets that instances read through the endpoint: AL2023 dnf repos and the SSM agent's. */
export function awsOwnedBuckets(region: string): string[] {
  return [
    `al2023-repos-${region}-de612dc2`,
    `amazon-ssm-${region}`,
    `amazon-ssm-packages-${region}`,
    `aws-ssm-${region}`,
    `aws-ssm-document-attachments-${region}`,
    `${region}-birdwatcher-prod`,
    `patch-baseline-snapshot-${region}`,
  ];
}

/**
 * The endpoint half of "S3 only from the app instances" (docs/adr/0003): requests leaving the VPC
 * through the endpoint may only reach this account's buckets (no exfiltration to foreign buckets),
 * plus read-only the AWS-owned buckets the OS and SSM agent need. The bucket policy is the other half.
 */
export function addS3EndpointPolicy(endpoint: ec2.GatewayVpcEndpoint, stack: Stack): void {
  endpoint.addToPolicy(
    new iam.PolicyStatement({
      sid: 'OwnAccountBucketsOnly',
      principals: [new iam.AnyPrincipal()],
      actions: OWN_BUCKET_ACTIONS,
      resources: ['*'],
      conditions: { StringEquals: { 'aws:ResourceAccount': stack.account } },
    }),
  );
  endpoint.addToPolicy(
    new iam.PolicyStatement({
      sid: 'AwsOwnedReadOnly',
      principals: [new iam.AnyPrincipal()],
      actions: ['s3:GetObject'],
      resources: awsOwnedBuckets(stack.region).map((bucket) => `arn:${stack.partition}:s3:::${bucket}/*`),
    }),
  );
}

import { existsSync } from 'node:fs';
import path from 'node:path';
import { Annotations, CfnOutput, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3deploy from 'aws-cdk-lib/aws-s3-deployment';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { FunctionDeadLetterQueue } from './constructs/function-dead-letter-queue.construct.js';
import { LogBucket } from './constructs/log-bucket.construct.js';
import { LogsKey } from './constructs/logs-key.construct.js';
import { SiteDistribution } from './constructs/site-distribution.construct.js';
import { originVerifyValue } from './secrets.stack.js';

const INFRA_ROOT = path.resolve(import.meta.dirname, '..');

export interface EdgeStackProps extends StackProps {
  readonly albDnsName: string;
  readonly albHttps: boolean;
  readonly originVerifySecret: secretsmanager.ISecret;
  /**
   * Version of the origin-verify secret to resolve.
   * @default - AWSCURRENT at the time the distribution was last updated
   */
  readonly originVerifyVersionId?: string;
  /** From the us-east-1 WAF stack (cross-region reference). */
  readonly webAclArn: string;
  /** Built SPA (apps/web/dist copy); relative to infra/. */
  readonly siteDir: string;
  /**
   * Custom domain with its us-east-1 ACM certificate ARN.
   * @default - the CloudFront default domain
   */
  readonly domain?: { name: string; certificateArn: string };
}

/** CloudFront distribution, the SPA site bucket and its content. */
export class EdgeStack extends Stack {
  readonly site: SiteDistribution;
  readonly siteBucket: s3.Bucket;
  /** Dead-letter queue of the site deployment function (absent when no site is packaged). */
  readonly deadLetterQueue: FunctionDeadLetterQueue | undefined;

  constructor(scope: Construct, id: string, props: EdgeStackProps) {
    super(scope, id, props);
    // CloudFront standard logging writes with ACLs, so this bucket keeps them enabled.
    const logBucket = new LogBucket(this, 'Logs', {
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
    }).bucket;
    // Separate from the attachments bucket: this one is readable by CloudFront (OAC), that one never.
    this.siteBucket = new s3.Bucket(this, 'SiteBucket', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      versioned: true,
      serverAccessLogsBucket: logBucket,
      serverAccessLogsPrefix: 'site-bucket/',
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.site = new SiteDistribution(this, 'Site', {
      siteBucket: this.siteBucket,
      albDnsName: props.albDnsName,
      albHttps: props.albHttps,
      originVerifyValue: originVerifyValue(props.originVerifySecret, props.originVerifyVersionId ?? ''),
      webAclArn: props.webAclArn,
      logBucket,
      ...(props.domain
        ? {
            domain: {
              name: props.domain.name,
              certificate: acm.Certificate.fromCertificateArn(
                this,
                'Certificate',
                props.domain.certificateArn,
              ),
            },
          }
        : {}),
    });

    const siteDir = path.resolve(INFRA_ROOT, props.siteDir);
    if (existsSync(path.join(siteDir, 'index.html'))) {
      new s3deploy.BucketDeployment(this, 'SiteContent', {
        sources: [s3deploy.Source.asset(siteDir)],
        destinationBucket: this.siteBucket,
        distribution: this.site.distribution,
        distributionPaths: ['/*'],
        memoryLimit: 512,
        logGroup: new logs.LogGroup(this, 'SiteDeploymentLogs', {
          retention: logs.RetentionDays.ONE_YEAR,
          encryptionKey: new LogsKey(this, 'LogsKey').key,
          removalPolicy: RemovalPolicy.RETAIN,
        }),
      });
    } else {
      Annotations.of(this).addWarningV2(
        'parley:site-missing',
        `No built SPA in ${siteDir}: the site bucket stays empty. Run \`npm run package:app -w @parley/infra\`.`,
      );
    }
    this.deadLetterQueue = FunctionDeadLetterQueue.forFunctionsIn(this, 'FunctionDlq');
    new CfnOutput(this, 'SiteUrl', {
      value: `https://${props.domain?.name ?? this.site.distribution.distributionDomainName}`,
    });
  }
}

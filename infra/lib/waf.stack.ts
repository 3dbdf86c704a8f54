import { ArnFormat, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import type { Construct } from 'constructs';
import { LogsKey } from './constructs/logs-key.construct.js';
import { WebAcl, type WebAclProps } from './constructs/web-acl.construct.js';

export type WafStackProps = StackProps & WebAclProps;

/** The CloudFront web ACL and its logging; always deployed to us-east-1 (CLOUDFRONT scope). */
export class WafStack extends Stack {
  readonly webAcl: WebAcl;
  readonly webAclArn: string;

  constructor(scope: Construct, id: string, props: WafStackProps) {
    super(scope, id, props);
    if (props.env?.region !== 'us-east-1') throw new Error('WafStack must be deployed to us-east-1');
    this.webAcl = new WebAcl(this, 'Acl', props);
    this.webAclArn = this.webAcl.webAcl.attrArn;

    // WAF requires the `aws-waf-logs-` prefix for log group destinations.
    const logGroup = new logs.LogGroup(this, 'Logs', {
      logGroupName: 'aws-waf-logs-parley',
      retention: logs.RetentionDays.ONE_YEAR,
      encryptionKey: new LogsKey(this, 'LogsKey').key,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    new wafv2.CfnLoggingConfiguration(this, 'Logging', {
      resourceArn: this.webAclArn,
      // WAF wants the log group ARN without the trailing `:*` that logGroupArn carries.
      logDestinationConfigs: [
        this.formatArn({
          service: 'logs',
          resource: 'log-group',
          resourceName: logGroup.logGroupName,
          arnFormat: ArnFormat.COLON_RESOURCE_NAME,
        }),
      ],
      // Session cookies and bearer tokens must not end up in logs.
      redactedFields: [{ singleHeader: { Name: 'cookie' } }, { singleHeader: { Name: 'authorization' } }],
    });
  }
}

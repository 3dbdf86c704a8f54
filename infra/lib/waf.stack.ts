import { Annotations, ArnFormat, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as cw from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import type { Construct } from 'constructs';
import { ALARM_TOPIC_NAME } from './alerts.stack.js';
import { AlertsKey, AlertTopic } from './constructs/alert-topic.construct.js';
import { LogsKey } from './constructs/logs-key.construct.js';
import { WEB_ACL_NAME, WebAcl, type WebAclProps } from './constructs/web-acl.construct.js';

export const WAF_REGION = 'us-east-1';

/**
 * Requests the CloudFront web ACL blocked (all rules). CLOUDFRONT-scope metrics live in us-east-1 and
 * carry only the WebACL and Rule dimensions (no Region), Rule=ALL being the web-ACL total.
 */
export function wafBlockedRequestsMetric(webAclName: string = WEB_ACL_NAME): cw.Metric {
  return new cw.Metric({
    namespace: 'AWS/WAFV2',
    metricName: 'BlockedRequests',
    dimensionsMap: { WebACL: webAclName, Rule: 'ALL' },
    statistic: 'Sum',
    period: Duration.minutes(5),
    region: WAF_REGION,
  });
}

export interface WafStackProps extends StackProps, WebAclProps {
  /** Subscribed to this region's alarm topic (CloudWatch alarms publish only to same-region topics). */
  readonly alarmEmail: string;
  /** Blocked requests in 5 minutes that count as a spike. */
  readonly blockedRequestsAlarm: number;
}

/** The CloudFront web ACL and its logging; always deployed to us-east-1 (CLOUDFRONT scope). */
export class WafStack extends Stack {
  readonly webAcl: WebAcl;
  readonly webAclArn: string;
  readonly alarmTopic: sns.Topic;
  readonly blockedAlarm: cw.Alarm;

  constructor(scope: Construct, id: string, props: WafStackProps) {
    super(scope, id, props);
    if (props.env?.region !== WAF_REGION) throw new Error('WafStack must be deployed to us-east-1');
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

    // The WAF metrics exist only here, and an alarm can only notify a topic of its own region: this
    // stack has its own parley-alarms topic, subscribed by the same address as the app region's.
    this.alarmTopic = new AlertTopic(this, 'Alarms', {
      topicName: ALARM_TOPIC_NAME,
      displayName: 'Parley ALARM (us-east-1)',
      key: new AlertsKey(this, 'AlertsKey').key,
      ...(props.alarmEmail ? { email: props.alarmEmail } : {}),
    }).topic;
    if (!props.alarmEmail) {
      Annotations.of(this).addWarningV2(
        'parley:no-alarm-email',
        'parley:alarmEmail is empty: the WAF alarm topic in us-east-1 has no subscriber.',
      );
    }
    const name = 'parley-waf-blocked-spike';
    this.blockedAlarm = new cw.Alarm(this, 'BlockedSpike', {
      alarmName: name,
      alarmDescription: `The web ACL blocked more than ${props.blockedRequestsAlarm} requests in 5 minutes (attack, or a rule blocking real users). Runbook: docs/operations.md#${name}`,
      metric: wafBlockedRequestsMetric(WEB_ACL_NAME),
      threshold: props.blockedRequestsAlarm,
      comparisonOperator: cw.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cw.TreatMissingData.NOT_BREACHING,
    });
    const action = new cwActions.SnsAction(this.alarmTopic);
    this.blockedAlarm.addAlarmAction(action);
    this.blockedAlarm.addOkAction(action);
  }
}

import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';

/**
 * AWS services that publish to Parley's topics: CloudWatch alarms, EventBridge rules (rotation and
 * backup failures), RDS event subscriptions and AWS Budgets.
 */
export const PUBLISHING_SERVICES = [
  'cloudwatch.amazonaws.com',
  'events.amazonaws.com',
  'events.rds.amazonaws.com',
  'budgets.amazonaws.com',
] as const;

/** Customer key for the alert topics: SNS requires one the publishing services may use (not aws/sns). */
export class AlertsKey extends Construct {
  readonly key: kms.Key;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.key = new kms.Key(this, 'Key', {
      description: 'Parley alarm and event topics (SNS encryption at rest)',
      enableKeyRotation: true,
      pendingWindow: Duration.days(30),
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // A publishing service encrypts the message with the topic's key, so it needs a data key.
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'PublishingServices',
        principals: PUBLISHING_SERVICES.map((service) => new iam.ServicePrincipal(service)),
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
      }),
    );
    // Auto Scaling notifications are sent by the service-linked role, which has no KMS rights of its
    // own. Named by condition, not as principal: a key policy may not name a role that does not exist
    // yet, and the role appears with the account's first Auto Scaling group.
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AutoScalingNotifications',
        principals: [new iam.AnyPrincipal()],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: {
          ArnEquals: {
            'aws:PrincipalArn': `arn:${Stack.of(this).partition}:iam::${Stack.of(this).account}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling`,
          },
        },
      }),
    );
  }
}

export interface AlertTopicProps {
  readonly topicName: string;
  readonly displayName: string;
  readonly key: kms.IKey;
  /**
   * Address that receives every message (it must confirm the subscription once).
   * @default - no subscriber; the stack warns at synth
   */
  readonly email?: string;
}

/** An SNS topic for operators: KMS-encrypted, TLS-only, publishable by the AWS services above. */
export class AlertTopic extends Construct {
  readonly topic: sns.Topic;

  constructor(scope: Construct, id: string, props: AlertTopicProps) {
    super(scope, id);
    this.topic = new sns.Topic(this, 'Topic', {
      topicName: props.topicName,
      displayName: props.displayName,
      masterKey: props.key,
      enforceSSL: true,
    });
    this.topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'PublishingServices',
        principals: PUBLISHING_SERVICES.map((service) => new iam.ServicePrincipal(service)),
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        // Only on behalf of this account's alarms, rules, subscriptions and budgets.
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
    );
    if (props.email) this.topic.addSubscription(new subscriptions.EmailSubscription(props.email));
  }
}

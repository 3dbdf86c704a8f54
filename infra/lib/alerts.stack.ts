import { Annotations, Stack, type StackProps } from 'aws-cdk-lib';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import { AlertsKey, AlertTopic } from './constructs/alert-topic.construct.js';

export const ALARM_TOPIC_NAME = 'parley-alarms';
export const EVENT_TOPIC_NAME = 'parley-events';

export interface AlertsStackProps extends StackProps {
  /** From `parley:alarmEmail`; empty leaves both topics without subscribers (synth warns). */
  readonly alarmEmail: string;
}

/**
 * The two operator topics, first in the deploy order so every other stack may publish to them:
 *   parley-alarms: something needs a human now (CloudWatch alarms, rotation and backup failures, RDS
 *                  failover/failure events, budget, instance launch/terminate errors);
 *   parley-events: informational (instances launched or terminated by scaling or health replacement).
 */
export class AlertsStack extends Stack {
  readonly alarmTopic: sns.Topic;
  readonly eventTopic: sns.Topic;

  constructor(scope: Construct, id: string, props: AlertsStackProps) {
    super(scope, id, props);
    const key = new AlertsKey(this, 'Key').key;
    const email = props.alarmEmail || undefined;
    this.alarmTopic = new AlertTopic(this, 'Alarms', {
      topicName: ALARM_TOPIC_NAME,
      displayName: 'Parley ALARM',
      key,
      ...(email ? { email } : {}),
    }).topic;
    this.eventTopic = new AlertTopic(this, 'Events', {
      topicName: EVENT_TOPIC_NAME,
      displayName: 'Parley event',
      key,
      ...(email ? { email } : {}),
    }).topic;
    if (!email) {
      Annotations.of(this).addWarningV2(
        'parley:no-alarm-email',
        'parley:alarmEmail is empty: alarms are published to parley-alarms but nobody is subscribed.',
      );
    }
  }
}

import { Duration, Stack, type StackProps } from 'aws-cdk-lib';
import * as budgets from 'aws-cdk-lib/aws-budgets';
import * as cw from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { ALARM_TOPIC_NAME } from './alerts.stack.js';
import type { AppStack } from './app.stack.js';
import { APP_METRIC, APP_METRICS_NAMESPACE, SERVICE_DIMENSION } from './app-metrics.js';
import type { DataStack } from './data.stack.js';
import type { EdgeStack } from './edge.stack.js';
import { buildDashboard } from './monitoring/dashboard.js';
import {
  type AlarmSpec,
  dbInstanceMemoryBytes,
  defaultMaxConnections,
  GIB,
  RDS_EVENT_CATEGORIES,
  RUNBOOK,
  THRESHOLDS,
} from './monitoring/thresholds.js';
import type { SecretsStack } from './secrets.stack.js';

export {
  dbInstanceMemoryBytes,
  defaultMaxConnections,
  GIB,
  RDS_EVENT_CATEGORIES,
  RUNBOOK,
  THRESHOLDS,
} from './monitoring/thresholds.js';

export interface MonitoringStackProps extends StackProps {
  readonly app: AppStack;
  readonly data: DataStack;
  readonly secrets: SecretsStack;
  readonly edge: EdgeStack;
  readonly dbInstanceClass: string;
  readonly dbAllocatedStorageGiB: number;
  readonly monthlyBudgetUsd: number;
  /** Name of the CloudFront web ACL in us-east-1 (its metrics go on the dashboard). */
  readonly webAclName: string;
}

/**
 * Every regional alarm and the one dashboard. Alarms publish ALARM and OK to parley-alarms; each
 * description names its runbook entry. Also: RDS events, failed secret rotations, failed backups
 * (EventBridge) and the monthly budget go to the same topic.
 */
export class MonitoringStack extends Stack {
  readonly alarms: cw.Alarm[] = [];
  readonly dashboard: cw.Dashboard;
  private readonly topic: sns.ITopic;

  constructor(scope: Construct, id: string, props: MonitoringStackProps) {
    super(scope, id, props);
    // Imported by its fixed name in this account and region (so EventBridge sees a resolved
    // environment): its policy in the alerts stack already admits CloudWatch, EventBridge, RDS, Budgets.
    this.topic = sns.Topic.fromTopicArn(
      this,
      'AlarmTopic',
      this.formatArn({ service: 'sns', resource: ALARM_TOPIC_NAME }),
    );
    const { app, data, secrets, edge } = props;
    const minute = Duration.minutes(1);
    const fiveMinutes = Duration.minutes(5);

    // Load balancer and targets.
    const alb = { LoadBalancer: app.loadBalancer.alb.loadBalancerFullName };
    const target = { ...alb, TargetGroup: app.loadBalancer.targetGroup.targetGroupFullName };
    const elbMetric = (metricName: string, dimensionsMap: Record<string, string>, statistic = 'Sum') =>
      new cw.Metric({
        namespace: 'AWS/ApplicationELB',
        metricName,
        dimensionsMap,
        statistic,
        period: minute,
      });
    const requests = elbMetric('RequestCount', alb);
    const rate = (errors: cw.IMetric, label: string) =>
      new cw.MathExpression({
        expression: `IF(FILL(requests, 0) >= ${THRESHOLDS.minRequestsForRate}, 100 * FILL(errors, 0) / requests, 0)`,
        usingMetrics: { requests, errors },
        label,
        period: minute,
      });
    this.alarm('parley-alb-5xx-rate', {
      metric: rate(elbMetric('HTTPCode_ELB_5XX_Count', alb), 'ALB 5xx %'),
      threshold: THRESHOLDS.albElb5xxPercent,
      evaluationPeriods: 5,
      datapointsToAlarm: 3,
      description: `More than ${THRESHOLDS.albElb5xxPercent} % of requests answered 5xx by the load balancer itself (no healthy target, target timeouts or resets).`,
    });
    this.alarm('parley-target-5xx-rate', {
      metric: rate(elbMetric('HTTPCode_Target_5XX_Count', target), 'Target 5xx %'),
      threshold: THRESHOLDS.target5xxPercent,
      evaluationPeriods: 5,
      datapointsToAlarm: 3,
      description: `More than ${THRESHOLDS.target5xxPercent} % of requests answered 5xx by the app (includes 503 while the database is unreachable).`,
    });
    const p99 = elbMetric('TargetResponseTime', target, 'p99');
    this.alarm('parley-target-p99-latency', {
      metric: p99,
      threshold: THRESHOLDS.targetP99Seconds,
      description: `p99 target response time above ${THRESHOLDS.targetP99Seconds} s for 5 minutes.`,
    });
    const unhealthy = elbMetric('UnHealthyHostCount', target, 'Maximum');
    const healthy = elbMetric('HealthyHostCount', target, 'Minimum');
    this.alarm('parley-unhealthy-hosts', {
      metric: unhealthy,
      threshold: 1,
      comparison: cw.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      description:
        'At least one instance failed the liveness check for 5 minutes (Auto Scaling replaces it).',
    });

    // Auto Scaling group: capacity that should be there but is not (launch failures, boot failures).
    const asgName = app.fleet.asg.autoScalingGroupName;
    const asgMetric = (metricName: string) =>
      new cw.Metric({
        namespace: 'AWS/AutoScaling',
        metricName,
        dimensionsMap: { AutoScalingGroupName: asgName },
        statistic: 'Minimum',
        period: minute,
      });
    const desired = asgMetric('GroupDesiredCapacity');
    const inService = asgMetric('GroupInServiceInstances');
    this.alarm('parley-asg-in-service-below-desired', {
      metric: new cw.MathExpression({
        expression: 'desired - inService',
        usingMetrics: { desired, inService },
        label: 'Instances missing',
        period: minute,
      }),
      threshold: 1,
      comparison: cw.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: THRESHOLDS.asgBelowDesiredMinutes,
      description: `Fewer instances in service than desired for ${THRESHOLDS.asgBelowDesiredMinutes} minutes (a boot takes a few).`,
    });

    // RDS for MySQL.
    const dbId = { DBInstanceIdentifier: data.database.instance.instanceIdentifier };
    const rdsMetric = (metricName: string, statistic = 'Average') =>
      new cw.Metric({
        namespace: 'AWS/RDS',
        metricName,
        dimensionsMap: dbId,
        statistic,
        period: fiveMinutes,
      });
    const memory = dbInstanceMemoryBytes(props.dbInstanceClass);
    const maxConnections = defaultMaxConnections(props.dbInstanceClass);
    this.alarm('parley-rds-cpu', {
      metric: rdsMetric('CPUUtilization'),
      threshold: THRESHOLDS.rdsCpuPercent,
      evaluationPeriods: 3,
      description: `Database CPU above ${THRESHOLDS.rdsCpuPercent} % for 15 minutes.`,
    });
    this.alarm('parley-rds-free-storage', {
      metric: rdsMetric('FreeStorageSpace', 'Minimum'),
      threshold: Math.round(props.dbAllocatedStorageGiB * GIB * THRESHOLDS.rdsFreeStorageFraction),
      comparison: cw.ComparisonOperator.LESS_THAN_THRESHOLD,
      evaluationPeriods: 2,
      treatMissingData: cw.TreatMissingData.BREACHING,
      description: `Less than ${THRESHOLDS.rdsFreeStorageFraction * 100} % of the initial ${props.dbAllocatedStorageGiB} GiB free (storage autoscaling should have grown it).`,
    });
    this.alarm('parley-rds-free-memory', {
      metric: rdsMetric('FreeableMemory', 'Minimum'),
      threshold: Math.round(memory * THRESHOLDS.rdsFreeMemoryFraction),
      comparison: cw.ComparisonOperator.LESS_THAN_THRESHOLD,
      evaluationPeriods: 3,
      description: `Less than ${THRESHOLDS.rdsFreeMemoryFraction * 100} % of the instance memory freeable for 15 minutes.`,
    });
    this.alarm('parley-rds-connections', {
      metric: rdsMetric('DatabaseConnections', 'Maximum'),
      threshold: Math.floor(maxConnections * THRESHOLDS.rdsConnectionsFraction),
      evaluationPeriods: 2,
      description: `More than ${THRESHOLDS.rdsConnectionsFraction * 100} % of the default max_connections (${maxConnections}) in use.`,
    });
    new rds.CfnEventSubscription(this, 'DbEvents', {
      subscriptionName: 'parley-rds-events',
      snsTopicArn: this.topic.topicArn,
      sourceType: 'db-instance',
      sourceIds: [data.database.instance.instanceIdentifier],
      eventCategories: RDS_EVENT_CATEGORIES,
      enabled: true,
    });

    // Valkey: both nodes of the replication group (member clusters are `<group id>-001`, `-002`).
    const group = data.cache.replicationGroup.ref;
    const nodeMetrics = (metricName: string, statistic: string) =>
      Object.fromEntries(
        ['001', '002'].map((node) => [
          `n${node}`,
          new cw.Metric({
            namespace: 'AWS/ElastiCache',
            metricName,
            dimensionsMap: { CacheClusterId: `${group}-${node}` },
            statistic,
            period: fiveMinutes,
          }),
        ]),
      );
    const worstNode = (metricName: string, statistic: string, label: string) =>
      new cw.MathExpression({
        expression: 'MAX([n001, n002])',
        usingMetrics: nodeMetrics(metricName, statistic),
        label,
        period: fiveMinutes,
      });
    this.alarm('parley-valkey-cpu', {
      metric: worstNode('EngineCPUUtilization', 'Average', 'Valkey engine CPU % (worst node)'),
      threshold: THRESHOLDS.valkeyCpuPercent,
      evaluationPeriods: 3,
      description: `Valkey engine CPU (single-threaded) above ${THRESHOLDS.valkeyCpuPercent} % for 15 minutes.`,
    });
    this.alarm('parley-valkey-memory', {
      metric: worstNode('DatabaseMemoryUsagePercentage', 'Maximum', 'Valkey memory % (worst node)'),
      threshold: THRESHOLDS.valkeyMemoryPercent,
      evaluationPeriods: 2,
      description: `Valkey memory above ${THRESHOLDS.valkeyMemoryPercent} % of maxmemory.`,
    });
    this.alarm('parley-valkey-evictions', {
      metric: new cw.MathExpression({
        expression: 'n001 + n002',
        usingMetrics: nodeMetrics('Evictions', 'Sum'),
        label: 'Valkey evictions',
        period: fiveMinutes,
      }),
      threshold: 0,
      evaluationPeriods: 1,
      description:
        'Valkey evicted keys: rate-limit counters or fan-out state were dropped for lack of memory.',
    });

    // Lambda functions: the DB bootstrap and both rotation functions, and every dead-letter queue.
    const functions: [string, lambda.IFunction][] = [
      ['db-bootstrap', data.bootstrap.vpcFunction.function],
      ['db-rotation', data.rotationFunction.vpcFunction.function],
      ['keyring-rotation', secrets.rotationFunction.vpcFunction.function],
    ];
    for (const [name, fn] of functions) {
      this.alarm(`parley-lambda-${name}-errors`, {
        metric: fn.metricErrors({ period: fiveMinutes, statistic: 'Sum' }),
        threshold: 0,
        evaluationPeriods: 1,
        description: `The ${name} function failed (its log group says why).`,
      });
      this.alarm(`parley-lambda-${name}-throttles`, {
        metric: fn.metricThrottles({ period: fiveMinutes, statistic: 'Sum' }),
        threshold: 0,
        evaluationPeriods: 1,
        description: `The ${name} function was throttled (account concurrency exhausted).`,
      });
    }
    const queues: [string, sqs.IQueue | undefined][] = [
      ['data', data.deadLetterQueue.queue],
      ['secrets', secrets.deadLetterQueue.queue],
      ['edge', edge.deadLetterQueue?.queue],
    ];
    for (const [name, queue] of queues) {
      if (!queue) continue;
      this.alarm(`parley-dlq-${name}`, {
        metric: queue.metricApproximateNumberOfMessagesVisible({ period: fiveMinutes, statistic: 'Maximum' }),
        threshold: 0,
        evaluationPeriods: 1,
        description: `An asynchronous invocation of a Parley-${name} function failed after all retries.`,
      });
    }

    // App metrics (Parley namespace, scraped by the CloudWatch agent; docs/adr/0013).
    const appMetric = (metricName: string, statistic: string, extra: Record<string, string> = {}) =>
      new cw.Metric({
        namespace: APP_METRICS_NAMESPACE,
        metricName,
        dimensionsMap: { ...SERVICE_DIMENSION, ...extra },
        statistic,
        period: minute,
      });
    const ackP99 = appMetric(APP_METRIC.ackSecondsSummary, 'Maximum', { quantile: '0.99' });
    this.alarm('parley-app-ack-p99', {
      metric: ackP99,
      threshold: THRESHOLDS.ackP99Seconds,
      description: `The worst instance's p99 send-to-durable-ack time is above ${THRESHOLDS.ackP99Seconds} s for 5 minutes.`,
    });
    const rateLimited = appMetric(APP_METRIC.rateLimited, 'Sum').with({ period: fiveMinutes });
    this.alarm('parley-app-rate-limited-spike', {
      metric: rateLimited,
      threshold: THRESHOLDS.rateLimitedPer5Minutes,
      evaluationPeriods: 1,
      description: `More than ${THRESHOLDS.rateLimitedPer5Minutes} requests rate-limited by the app in 5 minutes (abuse, or a client bug).`,
    });
    const eventLoop = appMetric(APP_METRIC.eventLoopLagP99, 'Maximum');
    this.alarm('parley-app-event-loop-lag', {
      metric: eventLoop,
      threshold: THRESHOLDS.eventLoopLagSeconds,
      description: `An instance's event loop p99 delay is above ${THRESHOLDS.eventLoopLagSeconds} s for 5 minutes.`,
    });

    // Events that are alarms by themselves.
    new events.Rule(this, 'SecretRotationFailed', {
      ruleName: 'parley-secret-rotation-failed',
      description: 'Every failed Secrets Manager rotation in this region (keyrings and database)',
      eventPattern: {
        source: ['aws.secretsmanager'],
        detailType: ['AWS Service Event via CloudTrail'],
        detail: { eventSource: ['secretsmanager.amazonaws.com'], eventName: ['RotationFailed'] },
      },
      targets: [
        new targets.SnsTopic(this.topic, {
          message: events.RuleTargetInput.fromText(
            `Parley: Secrets Manager rotation FAILED for ${events.EventField.fromPath('$.detail.additionalEventData.SecretId')} at ${events.EventField.time}. Runbook: ${RUNBOOK}#parley-secret-rotation-failed`,
          ),
        }),
      ],
    });
    new events.Rule(this, 'BackupJobFailed', {
      ruleName: 'parley-backup-job-failed',
      description: 'AWS Backup backup or copy jobs that did not complete',
      eventPattern: {
        source: ['aws.backup'],
        detailType: ['Backup Job State Change', 'Copy Job State Change'],
        detail: { state: ['FAILED', 'ABORTED', 'EXPIRED'] },
      },
      targets: [
        new targets.SnsTopic(this.topic, {
          message: events.RuleTargetInput.fromText(
            `Parley: AWS Backup job ${events.EventField.fromPath('$.detail.state')} for ${events.EventField.fromPath('$.detail.resourceArn')} at ${events.EventField.time}. Runbook: ${RUNBOOK}#parley-backup-job-failed`,
          ),
        }),
      ],
    });

    new budgets.CfnBudget(this, 'Budget', {
      budget: {
        budgetName: 'parley-monthly',
        budgetType: 'COST',
        timeUnit: 'MONTHLY',
        budgetLimit: { amount: props.monthlyBudgetUsd, unit: 'USD' },
      },
      notificationsWithSubscribers: [
        { notificationType: 'ACTUAL', threshold: 80 },
        { notificationType: 'FORECASTED', threshold: 100 },
      ].map((notification) => ({
        notification: { ...notification, comparisonOperator: 'GREATER_THAN', thresholdType: 'PERCENTAGE' },
        subscribers: [{ subscriptionType: 'SNS', address: this.topic.topicArn }],
      })),
    });

    this.dashboard = buildDashboard(this, this.alarms, {
      requests,
      p99,
      healthy,
      unhealthy,
      desired,
      inService,
      rdsMetric,
      nodeMetrics,
      ackP99,
      rateLimited,
      eventLoop,
      webAclName: props.webAclName,
      functions,
    });
  }

  private alarm(name: string, spec: AlarmSpec): cw.Alarm {
    const evaluationPeriods = spec.evaluationPeriods ?? 5;
    const alarm = new cw.Alarm(this, name, {
      alarmName: name,
      alarmDescription: `${spec.description} Runbook: ${RUNBOOK}#${name}`,
      metric: spec.metric,
      threshold: spec.threshold,
      comparisonOperator: spec.comparison ?? cw.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods,
      datapointsToAlarm: spec.datapointsToAlarm ?? evaluationPeriods,
      treatMissingData: spec.treatMissingData ?? cw.TreatMissingData.NOT_BREACHING,
    });
    const action = new cwActions.SnsAction(this.topic);
    alarm.addAlarmAction(action);
    alarm.addOkAction(action);
    this.alarms.push(alarm);
    return alarm;
  }
}

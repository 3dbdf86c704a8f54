import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  dbInstanceMemoryBytes,
  defaultMaxConnections,
  RDS_EVENT_CATEGORIES,
} from '../lib/monitoring.stack.js';
import {
  HTTPS_CONTEXT,
  INFRA_ROOT,
  PLAIN_HTTP_CONTEXT,
  resourcesOf,
  type Statement,
  type Synthesized,
  statementsOf,
  synthParley,
} from './support/synth.js';

let prod: Synthesized;
let trial: Synthesized;
beforeAll(() => {
  prod = synthParley(HTTPS_CONTEXT);
  trial = synthParley(PLAIN_HTTP_CONTEXT);
});

const GIB = 1024 ** 3;

/** Every regional alarm of the monitoring stack (the WAF alarm lives in us-east-1, tested below). */
const REGIONAL_ALARMS = [
  'parley-alb-5xx-rate',
  'parley-target-5xx-rate',
  'parley-target-p99-latency',
  'parley-unhealthy-hosts',
  'parley-asg-in-service-below-desired',
  'parley-rds-cpu',
  'parley-rds-free-storage',
  'parley-rds-free-memory',
  'parley-rds-connections',
  'parley-valkey-cpu',
  'parley-valkey-memory',
  'parley-valkey-evictions',
  'parley-lambda-db-bootstrap-errors',
  'parley-lambda-db-bootstrap-throttles',
  'parley-lambda-db-rotation-errors',
  'parley-lambda-db-rotation-throttles',
  'parley-lambda-keyring-rotation-errors',
  'parley-lambda-keyring-rotation-throttles',
  'parley-dlq-data',
  'parley-dlq-secrets',
  'parley-dlq-edge',
  'parley-app-ack-p99',
  'parley-app-rate-limited-spike',
  'parley-app-event-loop-lag',
];

type Alarm = Record<string, unknown> & {
  AlarmName: string;
  Threshold: number;
  ComparisonOperator: string;
  AlarmActions: unknown[];
  OKActions: unknown[];
  Metrics?: {
    Id: string;
    Expression?: string;
    MetricStat?: { Metric: Record<string, unknown>; Stat: string };
  }[];
};

function alarmsOf(template: Template): Record<string, Alarm> {
  return Object.fromEntries(
    resourcesOf(template, 'AWS::CloudWatch::Alarm').map(([, p]) => [(p as Alarm).AlarmName, p as Alarm]),
  );
}

const topicArn = (region: string) => `arn:aws:sns:${region}:111111111111:parley-alarms`;

describe('alert topics', () => {
  it('has parley-alarms and parley-events, KMS-encrypted, TLS-only, mailed to parley:alarmEmail', () => {
    const t = prod.templates.alerts;
    for (const name of ['parley-alarms', 'parley-events']) {
      t.hasResourceProperties('AWS::SNS::Topic', {
        TopicName: name,
        KmsMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Key'), 'Arn'] },
      });
    }
    const subscriptions = resourcesOf(t, 'AWS::SNS::Subscription');
    expect(subscriptions.map(([, s]) => [s.Protocol, s.Endpoint])).toEqual([
      ['email', 'oncall@example.com'],
      ['email', 'oncall@example.com'],
    ]);
    const policies = resourcesOf(t, 'AWS::SNS::TopicPolicy').map(
      ([, p]) => (p.PolicyDocument as { Statement: Statement[] }).Statement,
    );
    expect(policies).toHaveLength(2);
    for (const statements of policies) {
      expect(statements).toContainEqual(
        expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
      );
      const publish = statements.find((s) => s.Sid === 'PublishingServices');
      const services = (publish?.Principal as { Service?: string[] } | undefined)?.Service ?? [];
      expect([...services].sort()).toEqual([
        'budgets.amazonaws.com',
        'cloudwatch.amazonaws.com',
        'events.amazonaws.com',
        'events.rds.amazonaws.com',
      ]);
      expect(publish?.Condition).toEqual({ StringEquals: { 'aws:SourceAccount': '111111111111' } });
    }
  });

  it('lets the publishing services and the Auto Scaling service-linked role use the topic key', () => {
    const [[, key]] = resourcesOf(prod.templates.alerts, 'AWS::KMS::Key') as [
      [string, Record<string, unknown>],
    ];
    expect(key.EnableKeyRotation).toBe(true);
    const statements = (key.KeyPolicy as { Statement: Statement[] }).Statement;
    expect(statements.find((s) => s.Sid === 'PublishingServices')?.Action).toEqual([
      'kms:Decrypt',
      'kms:GenerateDataKey*',
    ]);
    expect(JSON.stringify(statements.find((s) => s.Sid === 'AutoScalingNotifications')?.Condition)).toContain(
      'role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling',
    );
  });

  it('has no subscriber without parley:alarmEmail (and says so at synth)', () => {
    expect(resourcesOf(trial.templates.alerts, 'AWS::SNS::Subscription')).toEqual([]);
  });
});

describe('CloudWatch alarms', () => {
  let alarms: Record<string, Alarm>;
  beforeAll(() => {
    alarms = alarmsOf(prod.templates.monitoring);
  });

  it('exist exactly as listed, each notifying parley-alarms on ALARM and on OK', () => {
    expect(Object.keys(alarms).sort()).toEqual([...REGIONAL_ALARMS].sort());
    for (const [name, alarm] of Object.entries(alarms)) {
      expect(alarm.AlarmActions, name).toEqual([topicArn('eu-west-1')]);
      expect(alarm.OKActions, name).toEqual([topicArn('eu-west-1')]);
      expect(alarm.AlarmDescription, name).toContain(`Runbook: docs/operations.md#${name}`);
    }
  });

  it('each have a runbook entry in docs/operations.md (and no entry is left over)', () => {
    const doc = readFileSync(path.join(INFRA_ROOT, '../docs/operations.md'), 'utf8');
    const headings = [...doc.matchAll(/^#### `(parley-[a-z0-9-]+)`/gm)].map((m) => m[1]);
    const expected = [
      ...REGIONAL_ALARMS,
      'parley-waf-blocked-spike',
      'parley-secret-rotation-failed',
      'parley-backup-job-failed',
      'parley-rds-events',
      'parley-monthly',
      'parley-asg-launch-or-terminate-error',
    ];
    expect([...headings].sort()).toEqual([...expected].sort());
  });

  it('measure 5xx as a share of requests, ignoring minutes with fewer than 50 requests', () => {
    for (const [name, metric, threshold] of [
      ['parley-alb-5xx-rate', 'HTTPCode_ELB_5XX_Count', 5],
      ['parley-target-5xx-rate', 'HTTPCode_Target_5XX_Count', 2],
    ] as const) {
      const alarm = alarms[name] as Alarm;
      expect(alarm.Threshold).toBe(threshold);
      expect(alarm).toMatchObject({ EvaluationPeriods: 5, DatapointsToAlarm: 3 });
      const expression = alarm.Metrics?.find((m) => m.Expression)?.Expression;
      expect(expression).toBe('IF(FILL(requests, 0) >= 50, 100 * FILL(errors, 0) / requests, 0)');
      const errors = alarm.Metrics?.find((m) => m.Id === 'errors')?.MetricStat;
      expect(errors?.Metric.MetricName).toBe(metric);
      expect(errors?.Stat).toBe('Sum');
    }
  });

  it('watch p99 target response time, unhealthy hosts and missing instances', () => {
    expect(alarms['parley-target-p99-latency']).toMatchObject({
      MetricName: 'TargetResponseTime',
      ExtendedStatistic: 'p99',
      Threshold: 2,
      ComparisonOperator: 'GreaterThanThreshold',
    });
    expect(alarms['parley-unhealthy-hosts']).toMatchObject({
      MetricName: 'UnHealthyHostCount',
      Statistic: 'Maximum',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
    const asg = alarms['parley-asg-in-service-below-desired'] as Alarm;
    expect(asg.Metrics?.find((m) => m.Expression)?.Expression).toBe('desired - inService');
    expect(asg).toMatchObject({ Threshold: 1, EvaluationPeriods: 15, DatapointsToAlarm: 15 });
    expect(JSON.stringify(asg.Metrics)).toMatch(/GroupDesiredCapacity.*GroupInServiceInstances/);
  });

  it('derive the RDS thresholds from the instance class and storage (r8g.large, 100 GiB)', () => {
    expect(dbInstanceMemoryBytes('r8g.large')).toBe(16 * GIB);
    expect(dbInstanceMemoryBytes('r7g.2xlarge')).toBe(64 * GIB);
    expect(() => dbInstanceMemoryBytes('r8g.huge')).toThrow(/unknown DB instance size/);
    expect(alarms['parley-rds-cpu']).toMatchObject({ MetricName: 'CPUUtilization', Threshold: 80 });
    expect(alarms['parley-rds-free-storage']).toMatchObject({
      MetricName: 'FreeStorageSpace',
      Threshold: 10 * GIB,
      ComparisonOperator: 'LessThanThreshold',
      TreatMissingData: 'breaching',
    });
    expect(alarms['parley-rds-free-memory']).toMatchObject({
      MetricName: 'FreeableMemory',
      Threshold: Math.round(16 * GIB * 0.05),
      ComparisonOperator: 'LessThanThreshold',
    });
    expect(defaultMaxConnections('r8g.large')).toBe(1365);
    expect(alarms['parley-rds-connections']).toMatchObject({
      MetricName: 'DatabaseConnections',
      Threshold: 1092,
    });
    expect(JSON.stringify(alarms['parley-rds-cpu']?.Dimensions)).toMatch(/DBInstanceIdentifier/);
  });

  it('watch both Valkey nodes: engine CPU, memory and any eviction', () => {
    for (const [name, metric] of [
      ['parley-valkey-cpu', 'EngineCPUUtilization'],
      ['parley-valkey-memory', 'DatabaseMemoryUsagePercentage'],
      ['parley-valkey-evictions', 'Evictions'],
    ] as const) {
      const metrics = alarms[name]?.Metrics ?? [];
      const nodes = metrics.filter((m) => m.MetricStat?.Metric.MetricName === metric);
      expect(JSON.stringify(nodes.map((m) => m.MetricStat?.Metric.Dimensions))).toMatch(/-001.*-002/);
    }
    expect(alarms['parley-valkey-evictions']?.Threshold).toBe(0);
  });

  it('catch every error and throttle of the bootstrap and both rotation functions, and every dead letter', () => {
    for (const fn of ['db-bootstrap', 'db-rotation', 'keyring-rotation']) {
      expect(alarms[`parley-lambda-${fn}-errors`]).toMatchObject({ MetricName: 'Errors', Threshold: 0 });
      expect(alarms[`parley-lambda-${fn}-throttles`]).toMatchObject({
        MetricName: 'Throttles',
        Threshold: 0,
      });
    }
    for (const stack of ['data', 'secrets', 'edge']) {
      expect(alarms[`parley-dlq-${stack}`]).toMatchObject({
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Threshold: 0,
      });
    }
  });

  it('watch the app metrics the CloudWatch agent scrapes into the Parley namespace', () => {
    expect(alarms['parley-app-ack-p99']).toMatchObject({
      Namespace: 'Parley',
      MetricName: 'parley_message_ack_seconds_summary',
      Dimensions: [
        { Name: 'Service', Value: 'parley' },
        { Name: 'quantile', Value: '0.99' },
      ],
      Statistic: 'Maximum',
      Threshold: 1,
    });
    expect(alarms['parley-app-rate-limited-spike']).toMatchObject({
      Namespace: 'Parley',
      MetricName: 'parley_rate_limited_total',
      Dimensions: [{ Name: 'Service', Value: 'parley' }],
      Statistic: 'Sum',
      Period: 300,
      Threshold: 500,
    });
  });

  it('include the WAF blocked-requests spike in us-east-1, where the CloudFront web ACL metrics are', () => {
    const waf = alarmsOf(prod.templates.waf);
    expect(Object.keys(waf)).toEqual(['parley-waf-blocked-spike']);
    expect(waf['parley-waf-blocked-spike']).toMatchObject({
      Namespace: 'AWS/WAFV2',
      MetricName: 'BlockedRequests',
      Dimensions: [
        { Name: 'Rule', Value: 'ALL' },
        { Name: 'WebACL', Value: 'parley' },
      ],
      Statistic: 'Sum',
      Period: 300,
      Threshold: 1000,
      AlarmActions: [{ Ref: expect.stringMatching(/^AlarmsTopic/) }],
      OKActions: [{ Ref: expect.stringMatching(/^AlarmsTopic/) }],
    });
    prod.templates.waf.hasResourceProperties('AWS::SNS::Topic', { TopicName: 'parley-alarms' });
    prod.templates.waf.hasResourceProperties('AWS::SNS::Subscription', { Endpoint: 'oncall@example.com' });
    prod.templates.waf.hasResourceProperties('AWS::WAFv2::WebACL', {
      VisibilityConfig: Match.objectLike({ MetricName: 'parley' }),
    });
  });
});

describe('events that page by themselves', () => {
  it('send RDS failover, failure, maintenance and availability events of the instance to parley-alarms', () => {
    prod.templates.monitoring.hasResourceProperties('AWS::RDS::EventSubscription', {
      SnsTopicArn: topicArn('eu-west-1'),
      SourceType: 'db-instance',
      SourceIds: [Match.anyValue()],
      EventCategories: RDS_EVENT_CATEGORIES,
      Enabled: true,
    });
    expect(RDS_EVENT_CATEGORIES).toEqual(expect.arrayContaining(['failover', 'failure', 'maintenance']));
  });

  it('send every failed Secrets Manager rotation (EventBridge) to parley-alarms', () => {
    prod.templates.monitoring.hasResourceProperties('AWS::Events::Rule', {
      Name: 'parley-secret-rotation-failed',
      EventPattern: {
        source: ['aws.secretsmanager'],
        'detail-type': ['AWS Service Event via CloudTrail'],
        detail: { eventSource: ['secretsmanager.amazonaws.com'], eventName: ['RotationFailed'] },
      },
      Targets: [Match.objectLike({ Arn: topicArn('eu-west-1') })],
    });
  });

  it('send failed, aborted or expired backup and copy jobs to parley-alarms', () => {
    prod.templates.monitoring.hasResourceProperties('AWS::Events::Rule', {
      Name: 'parley-backup-job-failed',
      EventPattern: {
        source: ['aws.backup'],
        'detail-type': ['Backup Job State Change', 'Copy Job State Change'],
        detail: { state: ['FAILED', 'ABORTED', 'EXPIRED'] },
      },
      Targets: [Match.objectLike({ Arn: topicArn('eu-west-1') })],
    });
  });

  it('has a monthly cost budget alarming at 80 % actual and 100 % forecast', () => {
    prod.templates.monitoring.hasResourceProperties('AWS::Budgets::Budget', {
      Budget: {
        BudgetName: 'parley-monthly',
        BudgetType: 'COST',
        TimeUnit: 'MONTHLY',
        BudgetLimit: { Amount: 1000, Unit: 'USD' },
      },
      NotificationsWithSubscribers: [
        {
          Notification: {
            NotificationType: 'ACTUAL',
            Threshold: 80,
            ComparisonOperator: 'GREATER_THAN',
            ThresholdType: 'PERCENTAGE',
          },
          Subscribers: [{ SubscriptionType: 'SNS', Address: topicArn('eu-west-1') }],
        },
        {
          Notification: {
            NotificationType: 'FORECASTED',
            Threshold: 100,
            ComparisonOperator: 'GREATER_THAN',
            ThresholdType: 'PERCENTAGE',
          },
          Subscribers: [{ SubscriptionType: 'SNS', Address: topicArn('eu-west-1') }],
        },
      ],
    });
  });
});

describe('dashboard', () => {
  it('is one dashboard with every alarm and the fleet, database, cache, app, WAF and Lambda graphs', () => {
    const dashboards = resourcesOf(prod.templates.monitoring, 'AWS::CloudWatch::Dashboard');
    expect(dashboards).toHaveLength(1);
    const [[, dashboard]] = dashboards as [[string, { DashboardName: string; DashboardBody: unknown }]];
    expect(dashboard.DashboardName).toBe('parley');
    const body = JSON.stringify(dashboard.DashboardBody);
    for (const needle of [
      'Alarms',
      'TargetResponseTime',
      'GroupInServiceInstances',
      'parley_ws_connections',
      'parley_message_ack_seconds_summary',
      'parley_rate_limited_total',
      'FreeableMemory',
      'EngineCPUUtilization',
      'Evictions',
      'BlockedRequests',
      '\\"region\\":\\"us-east-1\\"',
      'Throttles',
    ]) {
      expect(body, needle).toContain(needle);
    }
    // The alarm status widget lists every regional alarm (by reference to the alarm resource).
    const monitoring = prod.templates.monitoring.toJSON().Resources as Record<
      string,
      { Properties?: { AlarmName?: string } }
    >;
    for (const name of REGIONAL_ALARMS) {
      const id = Object.keys(monitoring).find((key) => monitoring[key]?.Properties?.AlarmName === name);
      expect(body, name).toContain(`"Fn::GetAtt":["${id}","Arn"]`);
    }
  });
});

describe('backups', () => {
  it('back up daily, keep 35 days in a locked, KMS-encrypted vault and copy to the DR region', () => {
    const t = prod.templates.data;
    t.hasResourceProperties('AWS::Backup::BackupVault', {
      BackupVaultName: 'parley',
      EncryptionKeyArn: Match.anyValue(),
      AccessPolicy: Match.objectLike({
        Statement: [
          Match.objectLike({ Effect: 'Deny', Action: Match.arrayWith(['backup:DeleteRecoveryPoint']) }),
        ],
      }),
    });
    t.hasResourceProperties('AWS::Backup::BackupPlan', {
      BackupPlan: {
        BackupPlanName: 'parley-daily',
        BackupPlanRule: [
          Match.objectLike({
            RuleName: 'daily-35-days',
            ScheduleExpression: 'cron(0 5 * * ? *)',
            Lifecycle: { DeleteAfterDays: 35 },
            CopyActions: [
              {
                DestinationBackupVaultArn:
                  'arn:aws:backup:eu-central-1:111111111111:backup-vault:parley-copy',
                Lifecycle: { DeleteAfterDays: 35 },
              },
            ],
          }),
        ],
      },
    });
    prod.templates.backupCopy?.hasResourceProperties('AWS::Backup::BackupVault', {
      BackupVaultName: 'parley-copy',
      EncryptionKeyArn: Match.anyValue(),
    });
    expect(prod.stacks.backupCopy?.region).toBe('eu-central-1');
    expect(prod.stacks.data.dependencies).toContain(prod.stacks.backupCopy);
  });

  it('keep backups in the app region only without parley:backupCopyRegion', () => {
    expect(trial.stacks.backupCopy).toBeUndefined();
    const [[, plan]] = resourcesOf(trial.templates.data, 'AWS::Backup::BackupPlan') as [
      [string, { BackupPlan: { BackupPlanRule: { CopyActions?: unknown[] }[] } }],
    ];
    expect(plan.BackupPlan.BackupPlanRule[0]?.CopyActions ?? []).toEqual([]);
  });

  it('select the database (data stack) and the attachments bucket (app stack)', () => {
    prod.templates.data.hasResourceProperties('AWS::Backup::BackupSelection', {
      BackupSelection: Match.objectLike({
        SelectionName: 'parley-mysql',
        Resources: [
          {
            'Fn::Join': [
              '',
              [Match.stringLikeRegexp('^arn:aws:rds:eu-west-1:111111111111:db:$'), Match.anyValue()],
            ],
          },
        ],
      }),
    });
    prod.templates.app.hasResourceProperties('AWS::Backup::BackupSelection', {
      BackupPlanId: { 'Fn::GetStackOutput': Match.objectLike({ StackName: 'Parley-Data' }) },
      BackupSelection: Match.objectLike({
        SelectionName: 'parley-attachments',
        IamRoleArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^AttachmentsBackupRole'), 'Arn'] },
        Resources: [{ 'Fn::GetAtt': [Match.stringLikeRegexp('^AttachmentsBucket'), 'Arn'] }],
      }),
    });
  });

  it('let only the backup role past the VPC-endpoint-only rule of the attachments bucket', () => {
    const statements = statementsOf(prod.templates.app, 'AWS::S3::BucketPolicy', 'AttachmentsBucketPolicy');
    const deny = statements.find((s) => s.Sid === 'DenyDataAccessOutsideVpcEndpoint');
    expect(deny?.Condition).toMatchObject({
      StringNotEquals: { 'aws:SourceVpce': expect.anything() },
      ArnNotEquals: {
        'aws:PrincipalArn': [{ 'Fn::GetAtt': [expect.stringMatching(/^AttachmentsBackupRole/), 'Arn'] }],
      },
    });
  });

  it('expire replaced and removed attachment versions after 14 days, the point-in-time window (S3 lifecycle)', () => {
    prod.templates.app.hasResourceProperties('AWS::S3::Bucket', {
      VersioningConfiguration: { Status: 'Enabled' },
      LifecycleConfiguration: {
        Rules: [
          Match.objectLike({
            Id: 'RemovedAttachments',
            Status: 'Enabled',
            NoncurrentVersionExpiration: { NoncurrentDays: 14 },
            AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
          }),
        ],
      },
    });
  });
});

describe('CloudFront to the ALB', () => {
  const apiOrigin = (synth: Synthesized) => {
    const [[, dist]] = resourcesOf(synth.templates.edge, 'AWS::CloudFront::Distribution') as [
      [string, { DistributionConfig: { Origins: { CustomOriginConfig?: Record<string, unknown> }[] } }],
    ];
    return dist.DistributionConfig.Origins.find((o) => o.CustomOriginConfig)?.CustomOriginConfig;
  };

  it('is HTTPS (TLS 1.2) in the production configuration', () => {
    expect(apiOrigin(prod)).toMatchObject({
      OriginProtocolPolicy: 'https-only',
      OriginSSLProtocols: ['TLSv1.2'],
    });
  });

  it('is plain HTTP only with parley:INSECURE_plainHttpOrigin=true', () => {
    expect(apiOrigin(trial)).toMatchObject({ OriginProtocolPolicy: 'http-only' });
  });
});

describe('dead-letter queues', () => {
  it('catch the failed asynchronous invocations of every Lambda function', () => {
    for (const stack of ['data', 'secrets', 'edge'] as const) {
      const template = prod.templates[stack];
      const queues = resourcesOf(template, 'AWS::SQS::Queue');
      expect(queues, stack).toHaveLength(1);
      const [[queueId, queue]] = queues as [[string, Record<string, unknown>]];
      expect(queue).toMatchObject({ SqsManagedSseEnabled: true, MessageRetentionPeriod: 14 * 86_400 });
      for (const [id, fn] of resourcesOf(template, 'AWS::Lambda::Function')) {
        expect(fn.DeadLetterConfig, `${stack} ${id}`).toEqual({
          TargetArn: { 'Fn::GetAtt': [queueId, 'Arn'] },
        });
      }
    }
  });
});

import { Duration } from 'aws-cdk-lib';
import * as cw from 'aws-cdk-lib/aws-cloudwatch';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import { wsConnectionsMetric } from '../constructs/app-fleet.construct.js';
import { wafBlockedRequestsMetric } from '../waf.stack.js';

/** Metrics the dashboard graphs (built by the monitoring stack alongside its alarms). */
export interface DashboardMetrics {
  requests: cw.Metric;
  p99: cw.Metric;
  healthy: cw.Metric;
  unhealthy: cw.Metric;
  desired: cw.Metric;
  inService: cw.Metric;
  rdsMetric: (name: string, statistic?: string) => cw.Metric;
  nodeMetrics: (name: string, statistic: string) => Record<string, cw.IMetric>;
  ackP99: cw.Metric;
  rateLimited: cw.Metric;
  eventLoop: cw.Metric;
  webAclName: string;
  functions: [string, lambda.IFunction][];
}

/** The one dashboard, created in `scope` (the monitoring stack) with id `Dashboard`. */
export function buildDashboard(scope: Construct, alarms: cw.Alarm[], m: DashboardMetrics): cw.Dashboard {
  const graph = (title: string, left: cw.IMetric[], right: cw.IMetric[] = []) =>
    new cw.GraphWidget({ title, left, right, width: 8, height: 6 });
  const valkey = (name: string, statistic: string) => Object.values(m.nodeMetrics(name, statistic));
  return new cw.Dashboard(scope, 'Dashboard', {
    dashboardName: 'parley',
    defaultInterval: Duration.hours(3),
    widgets: [
      [new cw.AlarmStatusWidget({ title: 'Alarms', alarms, width: 24, height: 4 })],
      [
        graph('Requests and p99 response time', [m.requests], [m.p99]),
        graph('Targets healthy / unhealthy', [m.healthy, m.unhealthy]),
        graph('Instances desired / in service', [m.desired, m.inService]),
      ],
      [
        graph('Open WebSockets per instance (scaling target)', [wsConnectionsMetric()]),
        graph('Message ack p99 (s, worst instance) and event-loop p99', [m.ackP99, m.eventLoop]),
        graph('Rate-limited requests (5 min)', [m.rateLimited]),
      ],
      [
        graph(
          'Database CPU % and connections',
          [m.rdsMetric('CPUUtilization')],
          [m.rdsMetric('DatabaseConnections', 'Maximum')],
        ),
        graph(
          'Database freeable memory and free storage (bytes)',
          [m.rdsMetric('FreeableMemory', 'Minimum')],
          [m.rdsMetric('FreeStorageSpace', 'Minimum')],
        ),
        graph('Database read / write latency (s)', [m.rdsMetric('ReadLatency'), m.rdsMetric('WriteLatency')]),
      ],
      [
        graph(
          'Valkey engine CPU % and memory %',
          valkey('EngineCPUUtilization', 'Average'),
          valkey('DatabaseMemoryUsagePercentage', 'Maximum'),
        ),
        graph('Valkey evictions', valkey('Evictions', 'Sum')),
        graph('WAF blocked requests (us-east-1)', [wafBlockedRequestsMetric(m.webAclName)]),
      ],
      [
        graph(
          'Lambda errors and throttles',
          m.functions.flatMap(([, fn]) => [
            fn.metricErrors({ statistic: 'Sum' }),
            fn.metricThrottles({ statistic: 'Sum' }),
          ]),
        ),
      ],
    ],
  });
}

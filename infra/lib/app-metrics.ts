/*
 * How the app's Prometheus metrics reach CloudWatch (docs/adr/0013-metrics-delivery.md): the CloudWatch
 * agent on each instance scrapes the app's metrics listener on loopback and turns the selected series
 * into embedded-metric-format log events, which CloudWatch stores as metrics in the `Parley` namespace.
 * Everything that names a metric (agent config, alarms, dashboard, scaling) takes it from here.
 */

export const APP_METRICS_NAMESPACE = 'Parley';
/** Prometheus listener of the app (`METRICS_PORT`): loopback only, never behind the ALB. */
export const APP_METRICS_PORT = 9464;
export const APP_METRICS_HOST = '127.0.0.1';
/** Log group of the agent's EMF events (the metrics are extracted from them). */
export const APP_METRICS_LOG_GROUP = '/parley/metrics';
/** Scrape job; also the `Service` dimension every Parley metric carries. */
export const APP_SERVICE = 'parley';
export const SERVICE_DIMENSION = { Service: APP_SERVICE } as const;

/** The series that become CloudWatch metrics (each costs money: nothing else is exported). */
export const APP_METRIC = {
  /** Gauge: open WebSockets on one instance (scaling target, averaged over the fleet). */
  wsConnections: 'parley_ws_connections',
  /**
   * Summary with `quantile` 0.5 / 0.9 / 0.99 of send → durable ack. The agent drops Prometheus
   * histograms, so the API exports this summary next to its `parley_message_ack_seconds` histogram.
   */
  ackSecondsSummary: 'parley_message_ack_seconds_summary',
  /** Counter by `limit`; the agent sends the increase since the previous scrape. */
  rateLimited: 'parley_rate_limited_total',
  /** Counter: messages durably acknowledged (throughput on the dashboard). */
  messagesAcked: 'parley_messages_acked_total',
  /** prom-client default gauge: event-loop delay p99 in seconds. */
  eventLoopLagP99: 'nodejs_eventloop_lag_p99_seconds',
} as const;

const SCRAPE_INTERVAL_SECONDS = 60;
const PROMETHEUS_CONFIG_PATH = '/opt/aws/amazon-cloudwatch-agent/etc/parley-prometheus.yaml';
export const AGENT_CONFIG_PATH = '/opt/aws/amazon-cloudwatch-agent/etc/parley.json';

const exactly = (name: string) => `^${name}$`;

/** Prometheus scrape configuration (JSON is valid YAML, so no YAML library is needed). */
export function prometheusScrapeConfig(): string {
  return JSON.stringify({
    global: { scrape_interval: `${SCRAPE_INTERVAL_SECONDS}s`, scrape_timeout: '10s' },
    scrape_configs: [
      {
        job_name: APP_SERVICE,
        sample_limit: 10_000,
        static_configs: [
          { targets: [`${APP_METRICS_HOST}:${APP_METRICS_PORT}`], labels: { Service: APP_SERVICE } },
        ],
      },
    ],
  });
}

/** CloudWatch agent configuration: the app log file to `appLogGroup`, selected metrics to `Parley`. */
export function cloudWatchAgentConfig(appLogGroup: string): string {
  const fromParley = { source_labels: ['job'], label_matcher: exactly(APP_SERVICE) };
  return JSON.stringify({
    agent: { metrics_collection_interval: SCRAPE_INTERVAL_SECONDS },
    logs: {
      logs_collected: {
        files: {
          collect_list: [
            {
              file_path: '/var/log/parley/app.log',
              log_group_name: appLogGroup,
              log_stream_name: '{instance_id}',
            },
          ],
        },
      },
      metrics_collected: {
        prometheus: {
          log_group_name: APP_METRICS_LOG_GROUP,
          prometheus_config_path: PROMETHEUS_CONFIG_PATH,
          emf_processor: {
            metric_declaration_dedup: true,
            metric_namespace: APP_METRICS_NAMESPACE,
            metric_unit: {
              [APP_METRIC.wsConnections]: 'Count',
              [APP_METRIC.ackSecondsSummary]: 'Seconds',
              [APP_METRIC.rateLimited]: 'Count',
              [APP_METRIC.messagesAcked]: 'Count',
              [APP_METRIC.eventLoopLagP99]: 'Seconds',
            },
            metric_declaration: [
              {
                ...fromParley,
                dimensions: [['Service']],
                metric_selectors: [
                  exactly(APP_METRIC.wsConnections),
                  exactly(APP_METRIC.rateLimited),
                  exactly(APP_METRIC.messagesAcked),
                  exactly(APP_METRIC.eventLoopLagP99),
                ],
              },
              {
                ...fromParley,
                dimensions: [['Service', 'quantile']],
                metric_selectors: [exactly(APP_METRIC.ackSecondsSummary)],
              },
              {
                ...fromParley,
                dimensions: [['Service', 'limit']],
                metric_selectors: [exactly(APP_METRIC.rateLimited)],
              },
            ],
          },
        },
      },
      force_flush_interval: 5,
    },
  });
}

/** Files the boot script writes for the agent, by path. */
export function cloudWatchAgentFiles(appLogGroup: string): Record<string, string> {
  return {
    [AGENT_CONFIG_PATH]: cloudWatchAgentConfig(appLogGroup),
    [PROMETHEUS_CONFIG_PATH]: prometheusScrapeConfig(),
  };
}

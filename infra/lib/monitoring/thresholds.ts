import type * as cw from 'aws-cdk-lib/aws-cloudwatch';

/** Runbook entries in docs/operations.md are anchored by alarm name. */
export const RUNBOOK = 'docs/operations.md';

/** Memory of the RDS Graviton memory-optimized classes (r7g/r8g): 16 GiB per `large` step. */
const DB_MEMORY_GIB: Record<string, number> = {
  large: 16,
  xlarge: 32,
  '2xlarge': 64,
  '4xlarge': 128,
  '8xlarge': 256,
  '12xlarge': 384,
  '16xlarge': 512,
  '24xlarge': 768,
  '48xlarge': 1536,
};

export const GIB = 1024 ** 3;

/** Memory of a `r8g.large`-style class in bytes; unknown sizes fail synth (thresholds depend on it). */
export function dbInstanceMemoryBytes(instanceClass: string): number {
  const size = instanceClass.split('.').pop() ?? '';
  const gib = DB_MEMORY_GIB[size];
  if (gib === undefined)
    throw new Error(`unknown DB instance size ${instanceClass}: add it to DB_MEMORY_GIB`);
  return gib * GIB;
}

/** RDS for MySQL's default max_connections: {DBInstanceClassMemory/12582880}. */
export function defaultMaxConnections(instanceClass: string): number {
  return Math.floor(dbInstanceMemoryBytes(instanceClass) / 12_582_880);
}

/** RDS event categories that mean a human should look (availability, failover, failure, …). */
export const RDS_EVENT_CATEGORIES = ['availability', 'failover', 'failure', 'low storage', 'maintenance'];

/** Fixed thresholds (the ones derived from sizes are computed below); docs/operations.md explains each. */
export const THRESHOLDS = {
  albElb5xxPercent: 5,
  target5xxPercent: 2,
  /** Below this many requests a minute, error rates are not meaningful (one error in ten is noise). */
  minRequestsForRate: 50,
  targetP99Seconds: 2,
  rdsCpuPercent: 80,
  rdsFreeStorageFraction: 0.1,
  rdsFreeMemoryFraction: 0.05,
  rdsConnectionsFraction: 0.8,
  valkeyCpuPercent: 80,
  valkeyMemoryPercent: 80,
  ackP99Seconds: 1,
  rateLimitedPer5Minutes: 500,
  eventLoopLagSeconds: 0.5,
  asgBelowDesiredMinutes: 15,
} as const;

export interface AlarmSpec {
  readonly metric: cw.IMetric;
  readonly threshold: number;
  readonly description: string;
  /** @default GREATER_THAN_THRESHOLD */
  readonly comparison?: cw.ComparisonOperator;
  /** @default 5 */
  readonly evaluationPeriods?: number;
  /** @default evaluationPeriods */
  readonly datapointsToAlarm?: number;
  /** @default NOT_BREACHING (no traffic is not an outage; the unhealthy-hosts alarm covers that) */
  readonly treatMissingData?: cw.TreatMissingData;
}

/** The table printed at the end of a run (the JSON file has every number). */
import { round, TARGETS } from './settings.js';
import type { LatencySummary } from './stats.js';

export function printTable(result: {
  baseline: { rowsPerSecond: number; connections: number; seconds: number };
  parley: {
    ackedPerSecond: number;
    sendToAckMs: LatencySummary;
    sendToDeliveryMs: LatencySummary;
    seconds: number;
  };
  paced: {
    targetPerSecond: number;
    ackedPerSecond: number;
    sendToAckMs: LatencySummary;
    sendToDeliveryMs: LatencySummary;
  };
  fanout: { members: number; messages: number; sendToDeliveryMs: LatencySummary; deliveries: number };
  checks: { ok: boolean; summary: Record<string, number> };
  targets: Record<string, { met: boolean }>;
}): void {
  const ms = (value: number | null) => (value === null ? '–' : `${value} ms`);
  const mark = (met: boolean | undefined) => (met === undefined ? '' : met ? 'met' : 'MISSED');
  const rows: [string, string, string, string][] = [
    ['metric', 'value', 'target', ''],
    [
      `baseline: raw INSERT, ${result.baseline.connections} conns`,
      `${result.baseline.rowsPerSecond} rows/s`,
      '',
      '',
    ],
    [
      'parley: acked msgs/s',
      `${result.parley.ackedPerSecond} msgs/s`,
      `>= ${TARGETS.throughputRatio} x baseline`,
      `${round(result.parley.ackedPerSecond / result.baseline.rowsPerSecond, 2)} x ${mark(result.targets.throughput?.met)}`,
    ],
    [
      'parley: send->ack p50 / p99',
      `${ms(result.parley.sendToAckMs.p50)} / ${ms(result.parley.sendToAckMs.p99)}`,
      '',
      '',
    ],
    [
      'parley: send->delivery p50 / p99',
      `${ms(result.parley.sendToDeliveryMs.p50)} / ${ms(result.parley.sendToDeliveryMs.p99)}`,
      '',
      '',
    ],
    [
      `paced (${result.paced.targetPerSecond}/s): send->ack p50 / p99`,
      `${ms(result.paced.sendToAckMs.p50)} / ${ms(result.paced.sendToAckMs.p99)}`,
      '',
      '',
    ],
    [
      `paced (${result.paced.targetPerSecond}/s): send->delivery p50 / p99`,
      `${ms(result.paced.sendToDeliveryMs.p50)} / ${ms(result.paced.sendToDeliveryMs.p99)}`,
      `p99 <= ${TARGETS.pacedDeliveryP99Ms} ms`,
      mark(result.targets.pacedDeliveryP99?.met),
    ],
    [
      `fan-out (${result.fanout.members} members): p50 / p99`,
      `${ms(result.fanout.sendToDeliveryMs.p50)} / ${ms(result.fanout.sendToDeliveryMs.p99)}`,
      `p99 <= ${TARGETS.fanoutP99Ms} ms`,
      mark(result.targets.fanoutP99?.met),
    ],
    [
      'checks: lost / duplicated / reordered',
      `${result.checks.summary.lost} / ${result.checks.summary.duplicated} / ${result.checks.summary.reordered} (${result.checks.summary.deliveriesExpected} deliveries, ${result.checks.summary.acked} acks)`,
      '0 / 0 / 0',
      mark(result.targets.exactlyOnceInOrder?.met),
    ],
  ];
  const widths = [0, 1, 2, 3].map((c) => Math.max(...rows.map((r) => r[c]?.length ?? 0)));
  const line = (r: string[]) => `| ${r.map((cell, c) => cell.padEnd(widths[c] ?? 0)).join(' | ')} |`;
  process.stdout.write(
    `\n${line(rows[0] as string[])}\n|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|\n`,
  );
  for (const row of rows.slice(1)) process.stdout.write(`${line(row)}\n`);
  process.stdout.write('\n');
}

interface LatencyResult {
  sendToDeliveryMs: LatencySummary;
}

/** Each target of docs/performance.md, with the value this run reached and whether it met it. */
export function targetsMet(
  parley: { ackedPerSecond: number },
  baseline: { rowsPerSecond: number },
  paced: LatencyResult,
  fanout: LatencyResult,
  checksOk: boolean,
  pacedFraction: number,
) {
  const ratio = round(parley.ackedPerSecond / baseline.rowsPerSecond, 2);
  return {
    throughput: {
      target: `Parley acked msgs/s >= ${TARGETS.throughputRatio} x baseline rows/s`,
      ratio,
      met: ratio >= TARGETS.throughputRatio,
    },
    pacedDeliveryP99: {
      target: `p99 send->delivery <= ${TARGETS.pacedDeliveryP99Ms} ms at ${pacedFraction} x throughput`,
      value: paced.sendToDeliveryMs.p99,
      met: (paced.sendToDeliveryMs.p99 ?? Number.POSITIVE_INFINITY) <= TARGETS.pacedDeliveryP99Ms,
    },
    fanoutP99: {
      target: `fan-out p99 <= ${TARGETS.fanoutP99Ms} ms`,
      value: fanout.sendToDeliveryMs.p99,
      met: (fanout.sendToDeliveryMs.p99 ?? Number.POSITIVE_INFINITY) <= TARGETS.fanoutP99Ms,
    },
    exactlyOnceInOrder: { target: 'zero lost, duplicated or reordered', met: checksOk },
  };
}

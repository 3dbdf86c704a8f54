/**
 * The Parley phases: direct conversations as fast as acks return, then paced at a fraction of that rate
 * (for send→delivery latency), then fan-out to a group whose members are all connected.
 */
import { monitorEventLoopDelay, PerformanceObserver, performance } from 'node:perf_hooks';
import type { BenchClient } from './bench-client.js';
import { between, type ProbeContext, probe, resetDigests, serverPauses, topDigests } from './probe.js';
import { log, round, settings } from './settings.js';
import { Samples, sleep } from './stats.js';
import { newPhase, type Traffic } from './traffic.js';

/** The clients of the direct conversations: client 2i and 2i+1 share conversation i. */
export interface PairTraffic {
  traffic: Traffic;
  clients: BenchClient[];
  conversationOf(client: BenchClient): string;
  ctx: ProbeContext;
}

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) return false;
    await sleep(5);
  }
  return true;
}

/** Every pair client keeps `settings.window` sends awaiting their ack for `settings.parleySeconds`. */
export async function runAsFastAsAcks({ traffic, clients, conversationOf, ctx }: PairTraffic) {
  log(
    `parley: ${clients.length} clients in ${settings.pairs} direct conversations, window ${settings.window}, ${settings.parleySeconds} s…`,
  );
  const fast = newPhase('parley');
  await resetDigests(ctx);
  const fastBefore = await probe(ctx);
  const fastStart = performance.now();
  const fastEnd = fastStart + settings.parleySeconds * 1000;
  let lastAck = fastStart;
  const pump = (client: BenchClient) => {
    while (client.inFlight < settings.window && performance.now() < fastEnd)
      traffic.send(client, conversationOf(client), fast);
  };
  traffic.onAcked = (client) => {
    lastAck = performance.now();
    pump(client);
  };
  for (const client of clients) pump(client);
  await sleep(settings.parleySeconds * 1000);
  const drained = await waitFor(() => clients.every((c) => c.inFlight === 0), 30_000);
  const fastAfter = await probe(ctx);
  traffic.onAcked = undefined;
  const fastElapsed = (lastAck - fastStart) / 1000;
  const fastRate = Math.round(fast.acked / fastElapsed);
  await waitFor(() => fast.delivered >= fast.acked, 30_000);
  const parley = {
    clients: clients.length,
    conversations: settings.pairs,
    window: settings.window,
    seconds: round(fastElapsed, 2),
    sent: fast.sent,
    acked: fast.acked,
    errors: fast.errors,
    drained,
    ackedPerSecond: fastRate,
    sendToAckMs: fast.ack.summary(),
    sendToDeliveryMs: fast.delivery.summary(),
    ...between(fastBefore, fastAfter, fast.acked),
    statementDigests: await topDigests(ctx),
  };
  log(
    `parley: ${fastRate} acked msgs/s, ack p50/p99 ${parley.sendToAckMs.p50}/${parley.sendToAckMs.p99} ms, delivery p50/p99 ${parley.sendToDeliveryMs.p50}/${parley.sendToDeliveryMs.p99} ms`,
  );
  return parley;
}

/** Open loop at `settings.pacedFraction` of `fastRate`: each client on its own schedule, acked or not. */
export async function runPaced({ traffic, clients, conversationOf, ctx }: PairTraffic, fastRate: number) {
  const pacedRate = settings.pacedRate ?? Math.max(1, Math.round(fastRate * settings.pacedFraction));
  const periodMs = (clients.length / pacedRate) * 1000;
  log(
    settings.pacedRate
      ? `paced: ${pacedRate} msgs/s (BENCH_PACED_RATE) for ${settings.pacedSeconds} s…`
      : `paced: ${pacedRate} msgs/s (${settings.pacedFraction} × ${fastRate}) for ${settings.pacedSeconds} s…`,
  );
  const paced = newPhase('paced');
  await resetDigests(ctx);
  const pacedBefore = await probe(ctx);
  const serverBefore = await serverPauses(ctx);
  const loadGenerator = watchOwnEventLoop();
  const pacedStart = performance.now();
  const pacedEnd = pacedStart + settings.pacedSeconds * 1000;
  let skipped = 0;
  await Promise.all(
    clients.map(
      (client) =>
        new Promise<void>((resolve) => {
          // Open loop: each client sends on its own schedule (random phase), whether or not acks are back.
          let next = pacedStart + Math.random() * periodMs;
          const tick = () => {
            if (next >= pacedEnd) {
              resolve();
              return;
            }
            if (client.inFlight < 100) traffic.send(client, conversationOf(client), paced);
            else skipped += 1;
            next += periodMs;
            setTimeout(tick, Math.max(0, next - performance.now()));
          };
          setTimeout(tick, Math.max(0, next - performance.now()));
        }),
    ),
  );
  const pacedDrained = await waitFor(() => clients.every((c) => c.inFlight === 0), 30_000);
  const loadGeneratorStalls = loadGenerator.stop();
  const serverAfter = await serverPauses(ctx);
  const server = serverAfter && {
    eventLoopDelayMs: serverAfter.eventLoopDelayMs,
    gcSeconds: round((serverAfter.gcSeconds - (serverBefore?.gcSeconds ?? 0)) * 1000) / 1000,
  };
  await waitFor(() => paced.delivered >= paced.acked, 30_000);
  const pacedAfter = await probe(ctx);
  const pacedElapsed = (performance.now() - pacedStart) / 1000;
  const pacedResult = {
    targetPerSecond: pacedRate,
    seconds: round(pacedElapsed, 2),
    sent: paced.sent,
    acked: paced.acked,
    errors: paced.errors,
    skippedBecause100InFlight: skipped,
    drained: pacedDrained,
    ackedPerSecond: Math.round(paced.acked / settings.pacedSeconds),
    sendToAckMs: paced.ack.summary(),
    sendToDeliveryMs: paced.delivery.summary(),
    // p99 and max of the messages sent in each second: a tail from one stall shows as one bad second.
    deliveryBySecondMs: [...paced.deliveryBySecond].map((samples) => ({
      p99: samples?.percentile(99) ?? null,
      max: samples?.percentile(100) ?? null,
    })),
    // The load generator's own pauses (its event loop, its GC) are in every latency it measures.
    loadGenerator: loadGeneratorStalls,
    // The server's over the phase (its /metrics): event-loop delay and time spent in GC.
    server,
    ...between(pacedBefore, pacedAfter, paced.acked),
    statementDigests: await topDigests(ctx),
  };
  log(
    `paced: load generator event-loop delay p99/max ${loadGeneratorStalls.eventLoopDelayMs.p99}/${loadGeneratorStalls.eventLoopDelayMs.max} ms, GC pauses max ${loadGeneratorStalls.gcPauseMs.max} ms (${loadGeneratorStalls.gcPauseMs.count})`,
  );
  if (server)
    log(
      `paced: server event-loop delay p99/max ${server.eventLoopDelayMs.p99}/${server.eventLoopDelayMs.max} ms, GC ${server.gcSeconds} s`,
    );
  log(
    `paced: delivery p50/p99 ${pacedResult.sendToDeliveryMs.p50}/${pacedResult.sendToDeliveryMs.p99} ms, ack p99 ${pacedResult.sendToAckMs.p99} ms`,
  );
  log(
    `paced: delivery p99 by second sent: ${pacedResult.deliveryBySecondMs.map((s) => Math.round(s.p99 ?? 0)).join(' ')} ms`,
  );
  return pacedResult;
}

/** `settings.fanoutMessages` messages from the first member, each awaited at every other member. */
export async function runFanout(
  traffic: Traffic,
  groupClients: BenchClient[],
  group: string,
  ctx: ProbeContext,
) {
  const groupSender = groupClients[0] as BenchClient;
  log(
    `fan-out: ${settings.fanoutMessages} messages to a group of ${groupClients.length} connected members, ${settings.fanoutGapMs} ms apart…`,
  );
  const fanout = newPhase('fanout');
  const fanoutBefore = await probe(ctx);
  let incomplete = 0;
  for (let i = 0; i < settings.fanoutMessages; i += 1) {
    const deliveredBefore = fanout.delivered;
    traffic.send(groupSender, group, fanout);
    const expected = deliveredBefore + groupClients.length - 1;
    if (!(await waitFor(() => fanout.delivered >= expected && groupSender.inFlight === 0, 10_000)))
      incomplete += 1;
    await sleep(settings.fanoutGapMs);
  }
  const fanoutAfter = await probe(ctx);
  const fanoutResult = {
    members: groupClients.length,
    messages: settings.fanoutMessages,
    gapMs: settings.fanoutGapMs,
    acked: fanout.acked,
    errors: fanout.errors,
    deliveries: fanout.delivered,
    expectedDeliveries: fanout.acked * (groupClients.length - 1),
    incompleteMessages: incomplete,
    sendToAckMs: fanout.ack.summary(),
    sendToDeliveryMs: fanout.delivery.summary(),
    ...between(fanoutBefore, fanoutAfter, fanout.acked),
  };
  log(
    `fan-out: delivery p50/p99 ${fanoutResult.sendToDeliveryMs.p50}/${fanoutResult.sendToDeliveryMs.p99} ms over ${fanout.delivered} deliveries`,
  );
  return fanoutResult;
}

/**
 * This process's event-loop delay and GC pauses from now until `stop`: a pause here delays every frame the
 * load generator timestamps, so it shows how much of a latency tail is the measuring side's own.
 */
function watchOwnEventLoop() {
  const delay = monitorEventLoopDelay({ resolution: 5 });
  delay.enable();
  const gc = new Samples();
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) gc.add(entry.duration);
  });
  observer.observe({ entryTypes: ['gc'] });
  return {
    stop() {
      delay.disable();
      observer.disconnect();
      const ms = (ns: number) => round(ns / 1e6, 1);
      return {
        eventLoopDelayMs: {
          p50: ms(delay.percentile(50)),
          p99: ms(delay.percentile(99)),
          max: ms(delay.max),
        },
        gcPauseMs: {
          count: gc.count,
          p99: round(gc.percentile(99) ?? 0, 1),
          max: round(gc.percentile(100) ?? 0, 1),
        },
      };
    },
  };
}

/** Every send of a run and what came back for it (acks, deliveries, errors), kept for the phases and the checks. */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { BenchClient, ClientHandlers } from './bench-client.js';
import { bodyText } from './settings.js';
import { Samples } from './stats.js';

/** One phase's counts and latencies (send→ack at the sender, send→delivery at every other member). */
export interface Phase {
  name: string;
  sent: number;
  acked: number;
  delivered: number;
  errors: number;
  ack: Samples;
  delivery: Samples;
  /** When the phase started (`performance.now()`), for `deliveryBySecond`. */
  startedAt: number;
  /** send→delivery by the second of the phase the message was sent in: where the tail sits in time. */
  deliveryBySecond: Samples[];
}

export const newPhase = (name: string): Phase => ({
  name,
  sent: 0,
  acked: 0,
  delivered: 0,
  errors: 0,
  ack: new Samples(),
  delivery: new Samples(),
  startedAt: performance.now(),
  deliveryBySecond: [],
});

export interface SendRecord {
  t0: number;
  phase: Phase;
  sender: BenchClient;
  conversationId: string;
  ackId: string | undefined;
  ackSeq: number | undefined;
  acks: number;
}

/** Frames no send explains: each must stay zero for the run to pass its checks. */
export interface Anomalies {
  unknownAcks: number;
  duplicateAcks: number;
  unknownMessages: number;
  errorFrames: unknown[];
}

export class Traffic {
  /** By clientId. */
  readonly sent = new Map<string, SendRecord>();
  readonly anomalies: Anomalies = { unknownAcks: 0, duplicateAcks: 0, unknownMessages: 0, errorFrames: [] };
  /** Called after each first ack (the as-fast-as-acks phase sends the next message from here). */
  onAcked: ((client: BenchClient) => void) | undefined;
  #sequence = 0;

  /** The frame handlers every client reports to. */
  readonly handlers: ClientHandlers = {
    ack: (client, clientId, message, at) => {
      const record = this.sent.get(clientId);
      if (!record) {
        this.anomalies.unknownAcks += 1;
        return;
      }
      record.acks += 1;
      if (record.acks > 1) {
        this.anomalies.duplicateAcks += 1;
        return;
      }
      record.ackId = message.id;
      record.ackSeq = message.seq;
      record.phase.acked += 1;
      record.phase.ack.add(at - record.t0);
      client.inFlight -= 1;
      this.onAcked?.(client);
    },
    message: (client, message, at) => {
      const record = this.sent.get(message.clientId);
      if (!record) {
        this.anomalies.unknownMessages += 1;
        return;
      }
      if (record.sender === client) return;
      const { phase } = record;
      phase.delivered += 1;
      phase.delivery.add(at - record.t0);
      const second = Math.max(0, Math.floor((record.t0 - phase.startedAt) / 1000));
      let samples = phase.deliveryBySecond[second];
      if (!samples) {
        samples = new Samples();
        phase.deliveryBySecond[second] = samples;
      }
      samples.add(at - record.t0);
    },
    error: (client, clientId, error) => {
      const record = clientId ? this.sent.get(clientId) : undefined;
      if (record) {
        record.phase.errors += 1;
        client.inFlight -= 1;
      }
      if (this.anomalies.errorFrames.length < 20) this.anomalies.errorFrames.push(error);
    },
  };

  send(client: BenchClient, conversationId: string, phase: Phase): void {
    const clientId = randomUUID();
    this.#sequence += 1;
    this.sent.set(clientId, {
      t0: performance.now(),
      phase,
      sender: client,
      conversationId,
      ackId: undefined,
      ackSeq: undefined,
      acks: 0,
    });
    phase.sent += 1;
    client.send(conversationId, clientId, bodyText(this.#sequence));
  }
}

import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors.js';
import {
  MessageBatchScheduler,
  type SchedulerOptions,
} from '../../src/modules/messages/message-batch.scheduler.js';
import type { SendRequest, SendResult } from '../../src/modules/messages/write-message-batch.command.js';

/** The scheduler alone: a fake write the test completes by hand, so every interleaving is explicit. */
function harness(options: Partial<SchedulerOptions> = {}) {
  const calls: { requests: readonly SendRequest[]; finish: (outcome?: Error) => void }[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const scheduler = new MessageBatchScheduler(
    (requests) => {
      inFlight += 1;
      maxInFlight = Math.max(maxInFlight, inFlight);
      return new Promise<(SendResult | Error)[]>((resolve, reject) => {
        calls.push({
          requests,
          finish: (failure) => {
            inFlight -= 1;
            if (failure) reject(failure);
            else resolve(requests.map((request) => resultFor(request)));
          },
        });
      });
    },
    {
      concurrency: 2,
      maxBatch: 3,
      isRetryable: (e) => (e as { code?: string }).code === 'ER_LOCK_DEADLOCK',
      ...options,
    },
  );
  const batches = () => calls.map((call) => call.requests.map((r) => r.clientId));
  return { scheduler, calls, batches, maxInFlight: () => maxInFlight };
}

function request(conversationId: string, clientId: string): SendRequest {
  return { conversationId, senderId: 'u1', clientId, body: clientId, attachmentIds: [] };
}

/** A request whose body says "fail" comes back as its own error; the others as stored rows. */
function resultFor(request: SendRequest): SendResult | Error {
  if (request.body.startsWith('fail')) return new AppError('not_found', 'Conversation not found');
  return {
    created: true,
    attachments: [],
    row: {
      id: `m-${request.clientId}`,
      conversation_id: request.conversationId,
      seq: 1,
      rev: 1,
      sender_id: request.senderId,
      client_id: request.clientId,
      body: request.body,
      created_at: '2026-01-01 00:00:00.000',
      edited_at: null,
      deleted_at: null,
      reply_to_id: null,
      kind: 'text',
      system_event: null,
      system_target_id: null,
      system_title: null,
    },
  };
}

/** Lets the scheduler's promise callbacks run (no timers involved). */
const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

const deadlock = () => Object.assign(new Error('deadlock'), { code: 'ER_LOCK_DEADLOCK' });

describe('message batch scheduler', () => {
  it('keeps a conversation a running batch writes out of the next batch, so its sends stay in order', async () => {
    const { scheduler, calls, batches } = harness({ concurrency: 2 });
    // A send with a free slot starts at once; the rest wait for a slot.
    const sent = ['a1', 'b1', 'a2', 'c1', 'a3'].map((id) => scheduler.send(request(id.slice(0, 1), id)));
    await turn();
    expect(batches()).toEqual([['a1'], ['b1']]);
    calls[1]?.finish();
    await turn();
    // A slot is free, but conversation a is still being written: only c1 goes.
    expect(batches()).toEqual([['a1'], ['b1'], ['c1']]);
    calls[0]?.finish();
    await turn();
    expect(batches()).toEqual([['a1'], ['b1'], ['c1'], ['a2', 'a3']]);
    calls[2]?.finish();
    calls[3]?.finish();
    const results = await Promise.all(sent);
    expect(results.map((r) => r.row.client_id)).toEqual(['a1', 'b1', 'a2', 'c1', 'a3']);
  });

  it('runs up to `concurrency` batches of at most `maxBatch` sends at once', async () => {
    const { scheduler, calls, batches, maxInFlight } = harness({ concurrency: 2, maxBatch: 2 });
    const sent = ['a', 'b', 'c', 'd', 'e'].map((id) => scheduler.send(request(id, id)));
    await turn();
    expect(batches()).toEqual([['a'], ['b']]);
    calls[1]?.finish();
    await turn();
    expect(batches()).toEqual([['a'], ['b'], ['c', 'd']]);
    calls[0]?.finish();
    await turn();
    expect(batches()).toEqual([['a'], ['b'], ['c', 'd'], ['e']]);
    calls[2]?.finish();
    calls[3]?.finish();
    await Promise.all(sent);
    expect(maxInFlight()).toBe(2);
  });

  it('rejects only the send the write refused', async () => {
    const { scheduler, calls, batches } = harness({ concurrency: 1 });
    const first = scheduler.send(request('z', 'z'));
    const ok = scheduler.send(request('a', 'ok'));
    const refused = scheduler.send({ ...request('b', 'x'), body: 'fail' });
    await turn();
    calls[0]?.finish();
    await turn();
    expect(batches()).toEqual([['z'], ['ok', 'x']]);
    calls[1]?.finish();
    await expect(first).resolves.toMatchObject({ created: true });
    await expect(ok).resolves.toMatchObject({ created: true });
    await expect(refused).rejects.toMatchObject({ code: 'not_found' });
  });

  it('after a retryable failure writes each send of the batch alone, and a lone send once more', async () => {
    const { scheduler, calls, batches } = harness({ concurrency: 1 });
    const sent = ['z', 'a', 'b'].map((id) => scheduler.send(request(id, id)));
    await turn();
    calls[0]?.finish();
    await turn();
    calls[1]?.finish(deadlock());
    await turn();
    expect(batches()).toEqual([['z'], ['a', 'b'], ['a'], ['b']]);
    calls[2]?.finish();
    calls[3]?.finish(deadlock());
    await turn();
    expect(batches()).toEqual([['z'], ['a', 'b'], ['a'], ['b'], ['b']]);
    calls[4]?.finish();
    expect((await Promise.all(sent)).map((r) => r.row.client_id)).toEqual(['z', 'a', 'b']);
  });

  it('does not retry other failures, and a lone send fails after its one retry', async () => {
    const { scheduler, calls, batches } = harness();
    const broken = scheduler.send(request('a', 'a'));
    await turn();
    calls[0]?.finish(new Error('disk full'));
    await expect(broken).rejects.toThrow('disk full');
    const unlucky = scheduler.send(request('b', 'b'));
    await turn();
    calls[1]?.finish(deadlock());
    await turn();
    calls[2]?.finish(deadlock());
    await expect(unlucky).rejects.toMatchObject({ code: 'ER_LOCK_DEADLOCK' });
    expect(batches()).toEqual([['a'], ['b'], ['b']]);
  });

  it('close waits for queued sends, then refuses new ones', async () => {
    const { scheduler, calls } = harness({ concurrency: 1 });
    const first = scheduler.send(request('a', 'a1'));
    const second = scheduler.send(request('a', 'a2'));
    await turn();
    let closed = false;
    const closing = scheduler.close().then(() => {
      closed = true;
    });
    await expect(scheduler.send(request('b', 'b1'))).rejects.toMatchObject({ code: 'service_unavailable' });
    calls[0]?.finish();
    await turn();
    expect(closed).toBe(false);
    calls[1]?.finish();
    await closing;
    await expect(Promise.all([first, second])).resolves.toHaveLength(2);
    await scheduler.close();
  });
});

import { PassThrough, Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { BlobTooSlowError } from '../../../src/platform/blobs/blob-errors.js';
import { guardProgress, minBytesPerWindow } from '../../../src/platform/blobs/progress-guard.js';
import { bytes } from './blob-test-helpers.js';

/** A consumer that takes everything and remembers it, like a fast blob store. */
function sink() {
  const chunks: Buffer[] = [];
  const writable = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk);
      callback();
    },
  });
  return { writable, data: () => Buffer.concat(chunks) };
}

const RULE = { windowMs: 1000, minBytesPerSecond: 100 };

describe('ProgressGuard (upload idle timeout)', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('needs minBytesPerSecond × window bytes per window, and at least one', () => {
    expect(minBytesPerWindow(RULE)).toBe(100);
    expect(minBytesPerWindow({ windowMs: 30_000, minBytesPerSecond: 1024 })).toBe(30_720);
    expect(minBytesPerWindow({ windowMs: 500, minBytesPerSecond: 0 })).toBe(1);
  });

  it('cuts off a client trickling a byte at a time, with request_timeout, and leaves the source alone', async () => {
    const source = new PassThrough();
    const guard = guardProgress(source, RULE);
    const out = sink();
    guard.pipe(out.writable);
    const failed = new Promise<unknown>((resolve) => guard.once('error', resolve));
    // 9 bytes in the first second, well under 100: one byte every 110 ms.
    for (let i = 0; i < 9; i++) {
      source.write(Buffer.from('x'));
      await vi.advanceTimersByTimeAsync(110);
    }
    await vi.advanceTimersByTimeAsync(10);
    const error = await failed;
    expect(error).toBeInstanceOf(BlobTooSlowError);
    expect(error).toMatchObject({ windowMs: 1000, minBytes: 100 });
    expect(out.data().toString()).toBe('xxxxxxxxx');
    // The route still has to answer on this connection: the request is not destroyed.
    expect(source.destroyed).toBe(false);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('cuts off a body that stops completely, even with no minimum rate', async () => {
    const source = new PassThrough();
    const guard = guardProgress(source, { windowMs: 500, minBytesPerSecond: 0 });
    guard.pipe(sink().writable);
    const failed = new Promise<unknown>((resolve) => guard.once('error', resolve));
    source.write(bytes(10));
    await vi.advanceTimersByTimeAsync(500); // one byte or more in the first window: fine
    expect(guard.destroyed).toBe(false);
    await vi.advanceTimersByTimeAsync(500); // nothing in the second
    expect(await failed).toBeInstanceOf(BlobTooSlowError);
  });

  it('passes a body that keeps up the rate through unchanged, over many windows, then stops its timer', async () => {
    const source = new PassThrough();
    const guard = guardProgress(source, RULE);
    const out = sink();
    guard.pipe(out.writable);
    const finished = new Promise<void>((resolve) => out.writable.once('finish', resolve));
    const sent: Buffer[] = [];
    for (let second = 0; second < 10; second++) {
      const chunk = bytes(120);
      sent.push(chunk);
      source.write(chunk);
      await vi.advanceTimersByTimeAsync(1000);
    }
    source.end();
    await finished;
    expect(guard.errored).toBeNull();
    expect(out.data().equals(Buffer.concat(sent))).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('does not blame the client while the consumer is the slow one', async () => {
    const source = new PassThrough();
    const guard = guardProgress(source, RULE);
    // Nobody reads the guard yet (the blob store has not started): its buffer holds the bytes.
    source.write(bytes(50));
    await vi.advanceTimersByTimeAsync(5000);
    expect(guard.destroyed).toBe(false);
    // Once the consumer reads and the client sends nothing more, the next full window counts.
    const failed = new Promise<unknown>((resolve) => guard.once('error', resolve));
    guard.pipe(sink().writable);
    await vi.advanceTimersByTimeAsync(2000);
    expect(await failed).toBeInstanceOf(BlobTooSlowError);
  });

  it('passes on an error of the source', async () => {
    const source = new PassThrough();
    const guard = guardProgress(source, RULE);
    guard.pipe(sink().writable);
    const failed = new Promise<unknown>((resolve) => guard.once('error', resolve));
    const gone = new Error('client disconnected');
    source.destroy(gone);
    expect(await failed).toBe(gone);
    expect(vi.getTimerCount()).toBe(0);
  });
});

import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import { toDbTime } from '../../db/time.js';
import { newId } from '../../ids.js';
import type { BlobStore } from '../../platform/blobs/blob-store.js';
import { RepeatingTask } from '../../repeating-task.js';
import {
  claimedForPurge,
  claimOrphans,
  findExpiredClaims,
  findOrphans,
  markPurged,
  takeOverClaims,
} from './attachment.repository.js';

/**
 * How long a sweep run owns the rows it claimed. Longer than any run takes to remove one batch of
 * bytes; after it, another run (on any instance) takes the rows over and removes their bytes again,
 * which is harmless because deleting a blob is idempotent.
 */
export const PURGE_LEASE_MS = 15 * 60_000;
const BATCH_SIZE = 100;
/** Batches per run at most, so one run never holds an instance for long; the next run goes on. */
const MAX_BATCHES = 50;

export interface SweepLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface SweepDeps {
  readonly db: Kysely<DB>;
  readonly blobs: BlobStore;
  readonly now: () => Date;
  /** UPLOAD_ORPHAN_TTL: uploads no message used are removed once older than this. */
  readonly orphanTtlMs: number;
  readonly log: SweepLog;
  readonly batchSize?: number;
}

export interface SweepResult {
  /** Attachments whose rows this run soft-deleted or took over, and whose bytes it removed. */
  readonly purged: string[];
  /** Claimed, but removing the bytes failed: retried by a later run once the lease ends. */
  readonly failed: string[];
}

/**
 * One sweep: in batches, claim old orphan uploads (soft-deleting them in the same conditional UPDATE)
 * and expired claims of other runs, remove their bytes from the blob store, and record that. Safe to run
 * on every instance at once: each row is claimed by one run only, and a crash between claiming and
 * removing leaves a claim that another run takes over after PURGE_LEASE_MS. Rows are never removed.
 */
export async function sweepOrphanUploads(deps: SweepDeps): Promise<SweepResult> {
  const limit = deps.batchSize ?? BATCH_SIZE;
  const result: SweepResult = { purged: [], failed: [] };
  for (let batch = 0; batch < MAX_BATCHES; batch++) {
    const now = deps.now().getTime();
    const claim = newId();
    const at = toDbTime(new Date(now));
    const cutoff = toDbTime(new Date(now - deps.orphanTtlMs));
    const claimedBefore = toDbTime(new Date(now - PURGE_LEASE_MS));
    const orphans = await findOrphans(deps.db, { cutoff, limit });
    await claimOrphans(deps.db, orphans, { claim, now: at, cutoff });
    const expired = await findExpiredClaims(deps.db, { claimedBefore, limit });
    await takeOverClaims(deps.db, expired, { claim, now: at, claimedBefore });
    // Done when nothing is left; rows another instance got first only mean looking again.
    if (orphans.length + expired.length === 0) break;
    for (const row of await claimedForPurge(deps.db, claim)) {
      try {
        await deps.blobs.delete(row.storage_key);
        if (await markPurged(deps.db, row.id, claim, toDbTime(deps.now()))) result.purged.push(row.id);
      } catch (error) {
        deps.log.warn(
          { err: error, attachmentId: row.id },
          'could not remove the bytes of an orphan upload; a later sweep retries',
        );
        result.failed.push(row.id);
      }
    }
  }
  return result;
}

/**
 * Runs sweepOrphanUploads every UPLOAD_SWEEP_INTERVAL (±10 % so instances drift apart), one run at a
 * time, in-process: no queue server. stop() waits for a run in progress.
 */
export class OrphanSweeper {
  readonly #task: RepeatingTask;

  constructor(private readonly deps: SweepDeps & { readonly intervalMs: number }) {
    this.#task = new RepeatingTask(deps.intervalMs, () => this.runOnce());
  }

  start(): void {
    this.#task.start();
  }

  /** One sweep now; logs instead of throwing. */
  async runOnce(): Promise<SweepResult | undefined> {
    try {
      const result = await sweepOrphanUploads(this.deps);
      if (result.purged.length > 0 || result.failed.length > 0) {
        this.deps.log.info(
          { purged: result.purged.length, failed: result.failed.length },
          'removed orphan uploads',
        );
      }
      return result;
    } catch (error) {
      this.deps.log.error({ err: error }, 'orphan upload sweep failed; the next one retries');
      return undefined;
    }
  }

  /** Cancels the next run and waits for one in progress. */
  stop(): Promise<void> {
    return this.#task.stop();
  }
}

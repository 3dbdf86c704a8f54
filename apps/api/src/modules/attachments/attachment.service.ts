import type { Readable } from 'node:stream';
import type { Attachment } from '@parley/contract';
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import { toDbTime } from '../../db/time.js';
import { AppError } from '../../errors.js';
import { newId } from '../../ids.js';
import { BlobTooLargeError } from '../../platform/blobs/blob-errors.js';
import type { BlobStore, StoredBlob } from '../../platform/blobs/blob-store.js';
import { checkDeclaredType, nameForType } from '../../platform/blobs/content-type.js';
import { limitAndReadHead } from '../../platform/blobs/limited-stream.js';
import { guardProgress } from '../../platform/blobs/progress-guard.js';
import { requireMembership, requireWritableMembership } from '../conversations/conversation.service.js';
import { presentAttachment } from '../messages/message.presenter.js';
import { lockUser } from '../users/user.repository.js';
import { findAttachmentWithMessage, insertAttachment, uploadUsage } from './attachment.repository.js';
import { type UploadLimits, uploadBudget, windowStart } from './upload-limits.js';

export interface AttachmentDeps {
  readonly db: Kysely<DB>;
  readonly blobs: BlobStore;
  readonly maxBytes: number;
  readonly limits: UploadLimits;
  readonly now: () => Date;
  readonly log: { error(obj: object, msg: string): void };
}

const attachmentNotFound = () => new AppError('not_found', 'Attachment not found');

/** A file name safe to store and to put in Content-Disposition: no paths, no control characters. */
export function cleanFileName(name: string | undefined): string {
  const base = (name ?? '').split(/[\\/]/).pop() ?? '';
  const cleaned = base
    .replace(/[\p{Cc}\u2028\u2029"]/gu, '')
    .trim()
    .slice(0, 200);
  return cleaned.length > 0 ? cleaned : 'attachment';
}

/**
 * Streams an upload to the blob store: members only (not into a read-only conversation); size, the user's quota and bytes-per-window limit
 * checked while streaming (and again, exactly, before the row is written); a body that arrives too slowly
 * cut off; type checked against the bytes; stored under a random key and a name with the type's
 * extension. Whatever is refused leaves nothing behind: no row, no bytes. The attachment belongs to the
 * uploader until a message uses it.
 */
export async function uploadAttachment(
  deps: AttachmentDeps,
  input: {
    userId: string;
    conversationId: string;
    name: string | undefined;
    declaredType: string;
    declaredLength: number | undefined;
    body: Readable;
  },
): Promise<Attachment> {
  await requireWritableMembership(deps.db, input.conversationId, input.userId);
  const now = deps.now();
  const budget = uploadBudget(
    deps.limits,
    deps.maxBytes,
    await uploadUsage(deps.db, input.userId, windowStart(deps.limits, now)),
    now,
  );
  if (budget.bytes <= 0 || (input.declaredLength !== undefined && input.declaredLength > budget.bytes)) {
    throw budget.refusal();
  }
  const guarded = guardProgress(input.body, deps.limits.progress);
  const overBudget = (error: unknown) => {
    throw error instanceof BlobTooLargeError ? budget.refusal() : error;
  };
  let contentType: string;
  let stored: StoredBlob;
  try {
    const { head, body } = await limitAndReadHead(guarded, { maxBytes: budget.bytes }).catch(overBudget);
    const type = await checkDeclaredType(input.declaredType, head);
    if (!type.ok) {
      body.destroy();
      throw new AppError('unsupported_media_type', type.reason);
    }
    contentType = type.contentType;
    stored = await deps.blobs.put(body, { contentType, maxBytes: budget.bytes }).catch(overBudget);
  } finally {
    // Stop watching the client whatever happened; a refused body is left for the server to drain or close.
    guarded.destroy();
  }
  const row = {
    id: newId(),
    conversation_id: input.conversationId,
    uploader_id: input.userId,
    message_id: null,
    storage_key: stored.key,
    name: nameForType(cleanFileName(input.name), contentType),
    content_type: contentType,
    size: stored.size,
    sha256: stored.sha256,
    created_at: toDbTime(now),
    deleted_at: null,
    purge_claim: null,
    purge_claimed_at: null,
    purged_at: null,
    position: null,
  };
  try {
    await deps.db.transaction().execute(async (trx) => {
      // Exact check: concurrent uploads of the same user were each measured against the same usage.
      await lockUser(trx, input.userId);
      const usage = await uploadUsage(trx, input.userId, windowStart(deps.limits, now));
      const refusal = uploadBudget(deps.limits, deps.maxBytes, usage, now).refuse(stored.size);
      if (refusal) throw refusal;
      await insertAttachment(trx, row);
    });
  } catch (error) {
    // No row, so no sweeper would ever find these bytes: remove them now.
    await deps.blobs.delete(stored.key).catch((deleteError: unknown) => {
      deps.log.error({ err: deleteError, key: stored.key }, 'could not delete the bytes of a refused upload');
    });
    throw error;
  }
  return presentAttachment(row);
}

/**
 * Opens an attachment for download: members of its conversation only, and before it is sent, only the
 * uploader; attachments of deleted messages are gone for everyone.
 */
export async function openAttachment(deps: AttachmentDeps, userId: string, attachmentId: string) {
  const row = await findAttachmentWithMessage(deps.db, attachmentId);
  if (!row || row.message_deleted_at) throw attachmentNotFound();
  await requireMembership(deps.db, row.conversation_id, userId).catch(() => {
    throw attachmentNotFound();
  });
  if (row.message_id === null && row.uploader_id !== userId) throw attachmentNotFound();
  const blob = await deps.blobs.get(row.storage_key);
  return { attachment: row, body: blob.body, size: blob.size };
}

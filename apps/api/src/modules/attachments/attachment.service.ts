import type { Readable } from 'node:stream';
import type { Attachment } from '@parley/contract';
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import { toDbTime } from '../../db/time.js';
import { AppError } from '../../errors.js';
import { newId } from '../../ids.js';
import type { BlobStore } from '../../platform/blobs/blob-store.js';
import { checkDeclaredType } from '../../platform/blobs/content-type.js';
import { limitAndReadHead } from '../../platform/blobs/limited-stream.js';
import { requireMembership, requireWritableMembership } from '../conversations/conversation.service.js';
import { presentAttachment } from '../messages/message.presenter.js';

export interface AttachmentDeps {
  readonly db: Kysely<DB>;
  readonly blobs: BlobStore;
  readonly maxBytes: number;
  readonly now: () => Date;
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
 * Streams an upload to the blob store: members only (not into a read-only conversation), size checked while streaming, type checked against
 * the bytes, stored under a random key. The attachment belongs to the uploader until a message uses it.
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
  if (input.declaredLength !== undefined && input.declaredLength > deps.maxBytes) {
    throw new AppError('payload_too_large', `Attachments are limited to ${deps.maxBytes} bytes`);
  }
  const { head, body } = await limitAndReadHead(input.body, { maxBytes: deps.maxBytes });
  const type = await checkDeclaredType(input.declaredType, head);
  if (!type.ok) {
    body.destroy();
    throw new AppError('unsupported_media_type', type.reason);
  }
  const stored = await deps.blobs.put(body, { contentType: type.contentType, maxBytes: deps.maxBytes });
  const row = {
    id: newId(),
    conversation_id: input.conversationId,
    uploader_id: input.userId,
    message_id: null,
    storage_key: stored.key,
    name: cleanFileName(input.name),
    content_type: type.contentType,
    size: stored.size,
    sha256: stored.sha256,
    created_at: toDbTime(deps.now()),
    deleted_at: null,
  };
  await deps.db.insertInto('attachments').values(row).execute();
  return presentAttachment(row);
}

/**
 * Opens an attachment for download: members of its conversation only, and before it is sent, only the
 * uploader; attachments of deleted messages are gone for everyone.
 */
export async function openAttachment(deps: AttachmentDeps, userId: string, attachmentId: string) {
  const row = await deps.db
    .selectFrom('attachments as a')
    .leftJoin('messages as m', 'm.id', 'a.message_id')
    .selectAll('a')
    .select('m.deleted_at as message_deleted_at')
    .where('a.id', '=', attachmentId)
    .where('a.deleted_at', 'is', null)
    .executeTakeFirst();
  if (!row || row.message_deleted_at) throw attachmentNotFound();
  await requireMembership(deps.db, row.conversation_id, userId).catch(() => {
    throw attachmentNotFound();
  });
  if (row.message_id === null && row.uploader_id !== userId) throw attachmentNotFound();
  const blob = await deps.blobs.get(row.storage_key);
  return { attachment: row, body: blob.body, size: blob.size };
}

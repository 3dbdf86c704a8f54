import type { Readable } from 'node:stream';
import { Attachment, AttachmentUploadQuery, ErrorBody, IdParams } from '@parley/contract';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { signedIn } from '../../http/auth.js';
import { perUser } from '../../http/limits.js';
import { type AttachmentDeps, openAttachment, uploadAttachment } from './attachment.service.js';

const errors = {
  400: ErrorBody,
  401: ErrorBody,
  403: ErrorBody,
  404: ErrorBody,
  408: ErrorBody,
  413: ErrorBody,
  415: ErrorBody,
  429: ErrorBody,
};

/** RFC 6266 filename: an ASCII fallback and the exact UTF-8 name. */
function contentDisposition(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

/**
 * Attachments go through the API (the bucket is unreachable from browsers): members of the conversation
 * upload and download; nothing else may read them.
 */
export const attachmentsRoutes: FastifyPluginAsyncZod<{ deps: AttachmentDeps }> = async (app, { deps }) => {
  // Upload requests per user (LIMIT_UPLOADS), counted before any byte is read; bytes per window and the
  // quota are summed from the database by the service.
  const uploadsPerUser = app.limit({ rate: 'uploads', key: perUser });
  app.addHook('onRequest', app.requireAuth);
  // Uploads are raw bytes of any declared type: hand the stream over instead of parsing it here.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, payload, done) => done(null, payload));

  app.post(
    '/attachments',
    {
      // The size cap is enforced while streaming (ATTACHMENT_MAX_BYTES), not by the JSON body limit.
      bodyLimit: Number.MAX_SAFE_INTEGER,
      preHandler: uploadsPerUser,
      schema: {
        tags: ['attachments'],
        querystring: AttachmentUploadQuery,
        response: { 201: Attachment, ...errors },
      },
    },
    async (request, reply) => {
      const length = request.headers['content-length'];
      const attachment = await uploadAttachment(deps, {
        userId: signedIn(request.auth).userId,
        conversationId: request.query.conversationId,
        name: request.query.name,
        declaredType: request.headers['content-type'] ?? '',
        declaredLength: length === undefined ? undefined : Number(length),
        body: request.body as Readable,
      });
      return reply.code(201).send(attachment);
    },
  );

  app.get(
    '/attachments/:id',
    { schema: { tags: ['attachments'], params: IdParams } },
    async (request, reply) => {
      const { attachment, body, size } = await openAttachment(
        deps,
        signedIn(request.auth).userId,
        request.params.id,
      );
      return reply
        .header('content-type', attachment.content_type)
        .header('content-length', String(size))
        .header('content-disposition', contentDisposition(attachment.name))
        .header('x-content-type-options', 'nosniff')
        .header('content-security-policy', "default-src 'none'; sandbox")
        .header('cache-control', 'private, max-age=300')
        .send(body);
    },
  );
};

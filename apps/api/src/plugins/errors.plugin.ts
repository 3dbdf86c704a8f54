import { type ErrorCode, errorStatus } from '@parley/contract';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { isDatabaseUnavailable, UNAVAILABLE_RETRY_AFTER_SECONDS } from '../db/unavailable.js';
import { AppError } from '../errors.js';
import { BlobNotFoundError, BlobTooLargeError, BlobTooSlowError } from '../platform/blobs/blob-errors.js';

/** Fastify's own client errors, by code, with the message a client should see. */
const FASTIFY_ERRORS: Readonly<Record<string, { code: ErrorCode; message: string }>> = {
  FST_ERR_CTP_BODY_TOO_LARGE: { code: 'payload_too_large', message: 'Request body is too large' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { code: 'unsupported_media_type', message: 'Unsupported Content-Type' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { code: 'validation_failed', message: 'Body must not be empty' },
  FST_ERR_CTP_INVALID_JSON_BODY: { code: 'validation_failed', message: 'Body is not valid JSON' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: {
    code: 'bad_request',
    message: 'Content-Length does not match the body',
  },
};

const STATUS_CODES: Readonly<Record<number, ErrorCode>> = {
  400: 'bad_request',
  401: 'unauthenticated',
  403: 'forbidden',
  404: 'not_found',
  408: 'request_timeout',
  409: 'conflict',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  429: 'rate_limited',
};

interface Presented {
  status: number;
  code: ErrorCode;
  message: string;
  details?: unknown;
  headers?: Readonly<Record<string, string>>;
}

/** The platform adapters' own errors, in the contract's terms. */
function presentPlatformError(error: Error): Presented | undefined {
  if (error instanceof BlobTooLargeError) {
    return {
      status: errorStatus.payload_too_large,
      code: 'payload_too_large',
      message: error.message,
      details: { maxBytes: error.maxBytes },
    };
  }
  if (error instanceof BlobTooSlowError) {
    return {
      status: errorStatus.request_timeout,
      code: 'request_timeout',
      message: error.message,
      details: { windowMs: error.windowMs, minBytes: error.minBytes },
      // The server drops the connection once the answer is sent: the client cannot go on trickling into it.
      headers: { connection: 'close' },
    };
  }
  if (error instanceof BlobNotFoundError) {
    return { status: errorStatus.not_found, code: 'not_found', message: error.message };
  }
  return undefined;
}

function present(error: FastifyError | AppError | Error): Presented | undefined {
  const platform = presentPlatformError(error);
  if (platform) return platform;
  if (error instanceof AppError) {
    return {
      status: errorStatus[error.code],
      code: error.code,
      message: error.message,
      details: error.details,
      headers: error.headers,
    };
  }
  if (hasZodFastifySchemaValidationErrors(error)) {
    const where = error.validationContext ?? 'body';
    return {
      status: 400,
      code: 'validation_failed',
      message: 'Request is not valid',
      details: error.validation.map((issue) => ({
        path: [where, ...issue.instancePath.split('/').filter(Boolean)].join('.'),
        message: issue.message,
      })),
    };
  }
  const fastifyError = error as FastifyError;
  const known = fastifyError.code ? FASTIFY_ERRORS[fastifyError.code] : undefined;
  if (known) return { status: errorStatus[known.code], ...known };
  if (error instanceof SyntaxError && fastifyError.statusCode === 400) {
    return { status: 400, code: 'validation_failed', message: 'Body is not valid JSON' };
  }
  if (isDatabaseUnavailable(error)) {
    return {
      status: 503,
      code: 'service_unavailable',
      message: `The service is temporarily unavailable; try again in ${UNAVAILABLE_RETRY_AFTER_SECONDS} s`,
      headers: { 'retry-after': String(UNAVAILABLE_RETRY_AFTER_SECONDS) },
    };
  }
  const status = fastifyError.statusCode;
  if (status !== undefined && status >= 400 && status < 500) {
    const code = STATUS_CODES[status] ?? 'bad_request';
    return { status, code, message: fastifyError.message || 'Bad request' };
  }
  return undefined;
}

export function sendError(reply: FastifyReply, presented: Presented): FastifyReply {
  if (presented.headers) reply.headers(presented.headers);
  const body: { code: ErrorCode; message: string; details?: unknown } = {
    code: presented.code,
    message: presented.message,
  };
  if (presented.details !== undefined) body.details = presented.details;
  return reply.code(presented.status).type('application/json; charset=utf-8').send({ error: body });
}

/**
 * Errors are mapped to HTTP here and nowhere else: known errors become `{ error: { code, message, details? } }`
 * with their status; anything unexpected is logged with the request id and answered with a bare 500.
 */
export const errorsPlugin = fp(
  async (app: FastifyInstance) => {
    app.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
      const presented = present(error);
      if (presented) {
        if (presented.status >= 500) request.log.error({ err: error }, 'request failed');
        return sendError(reply, presented);
      }
      request.log.error({ err: error }, 'unhandled error');
      return sendError(reply, {
        status: 500,
        code: 'internal_error',
        message: `Internal error (request id ${request.id})`,
      });
    });
  },
  { name: 'parley-errors' },
);

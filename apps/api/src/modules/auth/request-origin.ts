import type { FastifyRequest } from 'fastify';
import type { RequestOrigin } from './auth-event.repository.js';

/** Where a request came from, for the audit trail and the sessions list. */
export function requestOrigin(request: FastifyRequest): RequestOrigin {
  return { ip: request.ip, userAgent: request.headers['user-agent'] };
}

import { type FastifyReply, type FastifyRequest, LogController } from 'fastify';
import { redactUrl } from './logger.js';

/**
 * LOG_FORMAT=pretty: one line per request once it is answered (`GET /api/me 200 3.1 ms`) in place of
 * Fastify's "incoming request" and "request completed" pair; link tokens redacted as in JSON logs.
 */
export class OneLinePerRequest extends LogController {
  override incomingRequest(): void {}

  override requestCompleted(
    error: Error | null | undefined,
    request: FastifyRequest,
    reply: FastifyReply,
  ): void {
    const line = `${request.method} ${redactUrl(request.url)} ${reply.statusCode} ${reply.elapsedTime.toFixed(1)} ms`;
    if (error) reply.log.error({ err: error }, line);
    else reply.log.info(line);
  }
}

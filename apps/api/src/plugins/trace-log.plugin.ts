import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { traceFields } from '../logger.js';

/**
 * With tracing on, every log line of a request carries its trace: the request's span (started by
 * @fastify/otel before any hook of ours) is bound to the request's and reply's loggers, so even Fastify's
 * "request completed", written after the span ended, leads to the trace. Without tracing: nothing.
 */
export const traceLogPlugin = fp(
  async (app: FastifyInstance) => {
    app.addHook('onRequest', async (request, reply) => {
      const fields = traceFields();
      if (!('trace_id' in fields)) return;
      request.log = request.log.child(fields);
      reply.log = request.log;
    });
  },
  { name: 'parley-trace-log' },
);

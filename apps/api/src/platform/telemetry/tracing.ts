import type { TracingConfig } from '../../config.js';

export interface TracingLog {
  info(obj: object, msg: string): void;
}

/** Started tracing; `shutdown` sends the spans still buffered (call it last when closing). */
export interface Tracing {
  shutdown(): Promise<void>;
}

const OFF: Tracing = { shutdown: async () => undefined };

/** Longest wait for the last spans to leave at shutdown. */
const SHUTDOWN_FLUSH_MS = 3_000;

/** Span attribute carrying Fastify's request id (also the `x-request-id` header and `reqId` in logs). */
export const REQUEST_ID_ATTRIBUTE = 'parley.request_id';

/**
 * OpenTelemetry tracing, on only when OTEL_EXPORTER_OTLP_ENDPOINT is set: a span per HTTP request
 * (@fastify/otel, with the request id), child spans for every MySQL query (parameters never recorded), sent
 * as OTLP/HTTP protobuf to `<endpoint>/v1/traces`. The SDK reads its other standard variables itself
 * (OTEL_EXPORTER_OTLP_HEADERS, OTEL_TRACES_SAMPLER, OTEL_RESOURCE_ATTRIBUTES, OTEL_BSP_*, …).
 *
 * Must run before mysql2 and Fastify are loaded: the instrumentations patch them as they load, so
 * `main.ts` imports the rest of the app only after this resolved. Everything is imported lazily, so a
 * process without tracing loads none of it.
 */
export async function startTracing(config: TracingConfig, log: TracingLog): Promise<Tracing> {
  if (!config.otlpEndpoint) return OFF;
  const [{ NodeSDK }, { OTLPTraceExporter }, { MySQL2Instrumentation }, { FastifyOtelInstrumentation }] =
    await Promise.all([
      import('@opentelemetry/sdk-node'),
      import('@opentelemetry/exporter-trace-otlp-proto'),
      import('@opentelemetry/instrumentation-mysql2'),
      import('@fastify/otel'),
    ]);
  // The standard rule for a base endpoint: the signal's path is appended to whatever path it has.
  const base = config.otlpEndpoint.href.endsWith('/')
    ? config.otlpEndpoint.href
    : `${config.otlpEndpoint.href}/`;
  const url = new URL('v1/traces', base);
  const sdk = new NodeSDK({
    serviceName: config.serviceName,
    traceExporter: new OTLPTraceExporter({ url: url.href }),
    // Traces only: metrics are Prometheus (METRICS_PORT), logs are JSON lines on stdout.
    metricReaders: [],
    logRecordProcessors: [],
    instrumentations: [
      // Statements are recorded as written (placeholders), never with their values (passwords, bodies).
      new MySQL2Instrumentation({ maskStatement: true }),
      new FastifyOtelInstrumentation({
        registerOnInitialization: true,
        // A request span and its handler's span; one span per hook would multiply spans by ten.
        instrumentHooks: false,
        // The load balancer's health checks would be most of the spans.
        ignorePaths: '/api/health/*',
        requestHook: (span, request) => {
          span.setAttribute(REQUEST_ID_ATTRIBUTE, request.id);
          // Links carry tokens in their query string (`/verify-email?token=…`): the path alone.
          span.setAttribute('url.path', request.url.split('?')[0] ?? '/');
        },
      }),
    ],
  });
  sdk.start();
  log.info({ endpoint: url.origin, serviceName: config.serviceName }, 'tracing to OTLP endpoint');
  return {
    // Bounded: an unreachable collector must not eat the shutdown grace period (10 s in main.ts).
    shutdown: async () => {
      let timer: NodeJS.Timeout | undefined;
      const giveUp = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, SHUTDOWN_FLUSH_MS);
      });
      await Promise.race([sdk.shutdown().catch(() => undefined), giveUp]);
      clearTimeout(timer);
    },
  };
}

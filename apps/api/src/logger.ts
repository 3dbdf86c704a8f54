import { isSpanContextValid, trace } from '@opentelemetry/api';
import type { DestinationStream, LoggerOptions } from 'pino';
import pinoPretty from 'pino-pretty';
import type { LogFormat, LogLevel } from './config.js';

const SECRET_KEYS = [
  'password',
  'currentPassword',
  'newPassword',
  'token',
  'secretKey',
  'authorization',
  'cookie',
  'set-cookie',
  // Second factors (issue 11). Not `code`: error objects carry their code, which logs must keep.
  'challenge',
  'secret',
  'otpauthUri',
  'recoveryCodes',
];

/**
 * Paths pino blanks out wherever they appear in a log line: credentials in headers and any
 * password/token field up to three levels deep (request bodies, errors, our own context objects).
 */
export const REDACT_PATHS: readonly string[] = [
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  ...SECRET_KEYS.flatMap((key) => [`["${key}"]`, `*["${key}"]`, `*.*["${key}"]`]),
];

export interface LoggerSetup {
  level: LogLevel;
  /** `json` (default): one JSON object per line; `pretty`: human lines for a terminal (pino-pretty). */
  format?: LogFormat;
  /** Where the lines go; stdout when omitted. Tests pass a capturing stream. */
  stream?: DestinationStream;
}

/**
 * The trace and span of the work being logged, when tracing is on and a span is active, so a log line
 * leads to its trace (the OpenTelemetry log data model's field names). Nothing otherwise.
 */
export function traceFields(): { trace_id: string; span_id: string; trace_flags: string } | object {
  const span = trace.getActiveSpan();
  if (!span) return {};
  const context = span.spanContext();
  if (!isSpanContextValid(context)) return {};
  return {
    trace_id: context.traceId,
    span_id: context.spanId,
    trace_flags: `0${context.traceFlags.toString(16)}`,
  };
}

/** Adds `traceFields()` to a line unless its logger is a request's, which has them bound already. */
function traceMixin(_merge: object, _level: number, logger?: { bindings(): object }): object {
  const fields = traceFields();
  if (!('trace_id' in fields) || (logger && 'trace_id' in logger.bindings())) return {};
  return fields;
}

/** Development logs: `[12:00:01.234] INFO: GET /api/health/live 200 1.2 ms`, errors with their stack. */
export function prettyStream(destination: DestinationStream | NodeJS.WritableStream | number = 1) {
  return pinoPretty({
    destination,
    sync: true,
    colorize: destination === 1 && process.stdout.isTTY === true,
    translateTime: 'HH:MM:ss.l',
    ignore: 'pid,hostname,reqId,trace_id,span_id,trace_flags',
  });
}

/** Email links carry their token in the query string (`/reset-password?token=…`): never log it. */
export function redactUrl(url: string): string {
  return url.replace(/([?&](?:token|email)=)[^&#]*/gi, '$1[redacted]');
}

interface LoggedRequest {
  method: string;
  url: string;
  host?: string | undefined;
  ip?: string | undefined;
  socket?: { remotePort?: number | undefined } | undefined;
}

export function loggerOptions(setup: LoggerSetup): LoggerOptions & { stream?: DestinationStream } {
  const stream = setup.format === 'pretty' ? prettyStream(setup.stream) : setup.stream;
  return {
    level: setup.level,
    mixin: traceMixin,
    serializers: {
      req: (request: LoggedRequest) => ({
        method: request.method,
        url: redactUrl(request.url),
        host: request.host,
        remoteAddress: request.ip,
        remotePort: request.socket?.remotePort,
      }),
    },
    redact: { paths: [...REDACT_PATHS], censor: '[redacted]' },
    ...(stream ? { stream } : {}),
  };
}

import type { DestinationStream, LoggerOptions } from 'pino';
import type { LogLevel } from './config.js';

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
  /** Where JSON lines go; stdout when omitted. Tests pass a capturing stream. */
  stream?: DestinationStream;
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
  return {
    level: setup.level,
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
    ...(setup.stream ? { stream: setup.stream } : {}),
  };
}

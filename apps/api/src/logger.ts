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

export function loggerOptions(setup: LoggerSetup): LoggerOptions & { stream?: DestinationStream } {
  return {
    level: setup.level,
    redact: { paths: [...REDACT_PATHS], censor: '[redacted]' },
    ...(setup.stream ? { stream: setup.stream } : {}),
  };
}

import { ClientFrame, type ErrorCode, type ServerFrame } from '@parley/contract';
import type { RawData } from 'ws';
import { isDatabaseUnavailable, UNAVAILABLE_RETRY_AFTER_SECONDS } from '../../db/unavailable.js';
import { AppError, validationErrors } from '../../errors.js';

/** What a frame that hit an unreachable database is told (HTTP answers 503 the same way). */
const databaseUnavailable = () =>
  new AppError('service_unavailable', 'The service is temporarily unavailable; try again shortly', {
    retryAfter: UNAVAILABLE_RETRY_AFTER_SECONDS,
  });

/**
 * The error frame for a failure: an AppError's code, message and details; an unreachable database is
 * `service_unavailable` with `details.retryAfter`; anything else is internal.
 */
export function errorFrame(error: unknown, clientId?: string): ServerFrame {
  const app =
    error instanceof AppError ? error : isDatabaseUnavailable(error) ? databaseUnavailable() : undefined;
  const code: ErrorCode = app?.code ?? 'internal_error';
  return {
    type: 'error',
    ...(clientId ? { clientId } : {}),
    error: {
      code,
      message: app?.message ?? 'Internal error',
      ...(app?.details !== undefined ? { details: app.details } : {}),
    },
  };
}

/** A `clientId` a client put in a frame, so an error about that frame can name it. */
function clientIdOf(parsed: unknown): string | undefined {
  const clientId = (parsed as { clientId?: unknown } | null)?.clientId;
  return typeof clientId === 'string' ? clientId.slice(0, 64) : undefined;
}

/** The clientId of a frame that is not handled further (over the frame budget), if it names one. */
export function peekClientId(data: RawData, isBinary: boolean): string | undefined {
  if (isBinary) return undefined;
  try {
    return clientIdOf(JSON.parse(String(data)));
  } catch {
    // Not JSON: the error names no frame.
    return undefined;
  }
}

/**
 * A frame from a client: JSON text that the contract's `ClientFrame` accepts. Anything else gets the error
 * frame to answer with (`validation_failed`, naming the frame's clientId and the fields at fault).
 */
export function decodeClientFrame(
  data: RawData,
  isBinary: boolean,
): { frame: ClientFrame; error?: never } | { frame?: never; error: ServerFrame } {
  let parsed: unknown;
  try {
    if (isBinary) throw new Error('binary');
    parsed = JSON.parse(String(data));
  } catch {
    return { error: errorFrame(new AppError('validation_failed', 'Frames are JSON text')) };
  }
  const frame = ClientFrame.safeParse(parsed);
  if (frame.success) return { frame: frame.data };
  const issues = frame.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message }));
  return { error: errorFrame(validationErrors(issues, 'Frame is not valid'), clientIdOf(parsed)) };
}

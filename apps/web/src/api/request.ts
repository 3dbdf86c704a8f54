import { ErrorBody, FieldIssue } from '@parley/contract';
import type { z } from 'zod';
import { ApiError, type FieldErrors, NetworkError } from './api-error.js';

/*
 * The transport under the API client (client.ts): one request with its body checked against the
 * contract before it is sent and the answer parsed after, errors typed, and the session listeners told of
 * a 401 or of a second factor to set up.
 */

export type Schema = z.ZodType;
type Listener = () => void;

const unauthenticatedListeners = new Set<Listener>();
const enrolmentListeners = new Set<Listener>();

/**
 * Called whenever the API says this account must set up a second factor first (403
 * `mfa_enrollment_required`, REQUIRE_MFA); returns an unsubscribe.
 */
export function onMfaEnrolmentRequired(listener: Listener): () => void {
  enrolmentListeners.add(listener);
  return () => enrolmentListeners.delete(listener);
}

/** Called whenever the API says the session is gone (401 `unauthenticated`); returns an unsubscribe. */
export function onUnauthenticated(listener: Listener): () => void {
  unauthenticatedListeners.add(listener);
  return () => unauthenticatedListeners.delete(listener);
}

/** `details` of `validation_failed` lists `{ path: 'body.email', message }`; the form field is `email`. */
function fieldErrorsOf(details: unknown): FieldErrors {
  const issues = FieldIssue.array().safeParse(details);
  if (!issues.success) return {};
  const errors: Record<string, string> = {};
  for (const issue of issues.data) {
    const field = issue.path.replace(/^(body|querystring|query|params)\./, '').split('.')[0] ?? '';
    if (field && !(field in errors)) errors[field] = issue.message;
  }
  return errors;
}

/** Validates a body with the same contract schema the server uses, before it leaves the browser. */
export function validate<S extends Schema>(schema: S, input: unknown): z.output<S> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const errors: Record<string, string> = {};
  for (const issue of parsed.error.issues) {
    const field = String(issue.path[0] ?? '');
    if (!(field in errors)) errors[field] = issue.message;
  }
  throw new ApiError('validation_failed', 'Request is not valid', 400, errors);
}

async function toApiError(response: Response): Promise<ApiError | NetworkError> {
  const body: unknown = await response.json().catch(() => undefined);
  return errorFrom(body, response.status, response.headers.get('Retry-After'));
}

/** An error answer (already parsed JSON) as a typed error; also used for XHR uploads. */
export function errorFrom(
  body: unknown,
  status: number,
  retryAfterHeader: string | null,
): ApiError | NetworkError {
  const parsed = ErrorBody.safeParse(body);
  // The server's own request timeout (HTTP_REQUEST_TIMEOUT) answers a bare 408 before any route runs.
  if (!parsed.success && status === 408) return new ApiError('request_timeout', 'Request timed out', status);
  if (!parsed.success) return new NetworkError(`Unexpected HTTP ${status} from the server`);
  const { code, message, details } = parsed.data.error;
  const retryAfter = Number(retryAfterHeader);
  return new ApiError(
    code,
    message,
    status,
    code === 'validation_failed' ? fieldErrorsOf(details) : {},
    Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : undefined,
  );
}

interface RequestSpec<B extends Schema, R extends Schema> {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  body?: { schema: B; input: z.input<B> };
  /** Schema of the success body; none for 202/204 answers. */
  response?: R;
}

/**
 * The one way the web app talks to the API: same-origin cookies, contract-validated bodies, contract-parsed
 * answers, and errors as `ApiError` (typed `code`, `fieldErrors`) or `NetworkError`.
 */
export async function request<B extends Schema = z.ZodVoid, R extends Schema = z.ZodVoid>(
  spec: RequestSpec<B, R>,
): Promise<z.output<R>> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  let payload: string | undefined;
  if (spec.body) {
    headers['Content-Type'] = 'application/json';
    payload = JSON.stringify(validate(spec.body.schema, spec.body.input));
  }
  let response: Response;
  try {
    response = await fetch(`/api${spec.path}`, {
      method: spec.method,
      headers,
      body: payload,
      credentials: 'same-origin',
    });
  } catch {
    throw new NetworkError('Network request failed');
  }
  if (!response.ok) throw announce(await toApiError(response));
  if (!spec.response) return undefined as z.output<R>;
  const parsed = spec.response.safeParse(await response.json().catch(() => undefined));
  if (!parsed.success) throw new NetworkError(`Unexpected answer from ${spec.method} ${spec.path}`);
  return parsed.data;
}

/** Tells the session listeners about a 401 `unauthenticated`; returns the error to throw. */
export function announce(error: ApiError | NetworkError): ApiError | NetworkError {
  if (error instanceof ApiError && error.code === 'unauthenticated') {
    for (const listener of unauthenticatedListeners) listener();
  }
  if (error instanceof ApiError && error.code === 'mfa_enrollment_required') {
    for (const listener of enrolmentListeners) listener();
  }
  return error;
}

export const body = <B extends Schema>(schema: B, input: z.input<B>) => ({ schema, input });

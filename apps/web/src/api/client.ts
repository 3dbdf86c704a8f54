import {
  ChangePasswordBody,
  DeleteMeBody,
  EmailOnlyBody,
  ErrorBody,
  FieldIssue,
  LoginBody,
  LoginResponse,
  RegisterBody,
  ResetPasswordBody,
  SessionList,
  UpdateMeBody,
  User,
  UserEnvelope,
  VerifyEmailBody,
} from '@parley/contract';
import type { z } from 'zod';
import { ApiError, type FieldErrors, NetworkError } from './api-error.js';

export { ApiError, describeError, type FieldErrors, isApiError, NetworkError } from './api-error.js';

type Schema = z.ZodType;
type Listener = () => void;

const unauthenticatedListeners = new Set<Listener>();

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
    const field = issue.path.replace(/^(body|query|params)\./, '').split('.')[0] ?? '';
    if (field && !(field in errors)) errors[field] = issue.message;
  }
  return errors;
}

/** Validates a body with the same contract schema the server uses, before it leaves the browser. */
function validate<S extends Schema>(schema: S, input: unknown): z.output<S> {
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
  const parsed = ErrorBody.safeParse(body);
  if (!parsed.success) return new NetworkError(`Unexpected HTTP ${response.status} from the server`);
  const { code, message, details } = parsed.data.error;
  const retryAfter = Number(response.headers.get('Retry-After'));
  return new ApiError(
    code,
    message,
    response.status,
    code === 'validation_failed' ? fieldErrorsOf(details) : {},
    Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : undefined,
  );
}

interface RequestSpec<B extends Schema, R extends Schema> {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  path: string;
  body?: { schema: B; input: z.input<B> };
  /** Schema of the success body; none for 202/204 answers. */
  response?: R;
}

/**
 * The one way the web app talks to the API: same-origin cookies, contract-validated bodies, contract-parsed
 * answers, and errors as `ApiError` (typed `code`, `fieldErrors`) or `NetworkError`.
 */
async function request<B extends Schema = z.ZodVoid, R extends Schema = z.ZodVoid>(
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
  if (!response.ok) {
    const error = await toApiError(response);
    if (error instanceof ApiError && error.code === 'unauthenticated') {
      for (const listener of unauthenticatedListeners) listener();
    }
    throw error;
  }
  if (!spec.response) return undefined as z.output<R>;
  const parsed = spec.response.safeParse(await response.json().catch(() => undefined));
  if (!parsed.success) throw new NetworkError(`Unexpected answer from ${spec.method} ${spec.path}`);
  return parsed.data;
}

const body = <B extends Schema>(schema: B, input: z.input<B>) => ({ schema, input });

/** Every account and session route of API.md. */
export const api = {
  register: (input: z.input<typeof RegisterBody>) =>
    request({ method: 'POST', path: '/auth/register', body: body(RegisterBody, input) }),
  verifyEmail: (input: z.input<typeof VerifyEmailBody>) =>
    request({
      method: 'POST',
      path: '/auth/verify-email',
      body: body(VerifyEmailBody, input),
      response: UserEnvelope,
    }),
  resendVerification: (input: z.input<typeof EmailOnlyBody>) =>
    request({ method: 'POST', path: '/auth/resend-verification', body: body(EmailOnlyBody, input) }),
  login: (input: z.input<typeof LoginBody>) =>
    request({ method: 'POST', path: '/auth/login', body: body(LoginBody, input), response: LoginResponse }),
  logout: () => request({ method: 'POST', path: '/auth/logout' }),
  logoutAll: () => request({ method: 'POST', path: '/auth/logout-all' }),
  forgotPassword: (input: z.input<typeof EmailOnlyBody>) =>
    request({ method: 'POST', path: '/auth/forgot-password', body: body(EmailOnlyBody, input) }),
  resetPassword: (input: z.input<typeof ResetPasswordBody>) =>
    request({ method: 'POST', path: '/auth/reset-password', body: body(ResetPasswordBody, input) }),
  changePassword: (input: z.input<typeof ChangePasswordBody>) =>
    request({ method: 'POST', path: '/auth/change-password', body: body(ChangePasswordBody, input) }),
  me: () => request({ method: 'GET', path: '/me', response: User }),
  updateMe: (input: z.input<typeof UpdateMeBody>) =>
    request({ method: 'PATCH', path: '/me', body: body(UpdateMeBody, input), response: User }),
  deleteMe: (input: z.input<typeof DeleteMeBody>) =>
    request({ method: 'DELETE', path: '/me', body: body(DeleteMeBody, input) }),
  sessions: () => request({ method: 'GET', path: '/sessions', response: SessionList }),
  revokeSession: (id: string) => request({ method: 'DELETE', path: `/sessions/${encodeURIComponent(id)}` }),
};

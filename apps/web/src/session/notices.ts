import type { SignedOutReason } from './session-context.js';

/** Why the sign-in page was opened; carried in the history entry's state. */
export type SignInReason = SignedOutReason | 'verified' | 'password-reset';

/** What the sign-in page can be told through history state. */
export interface SignInState {
  reason?: SignInReason;
  email?: string;
  /** Where to go after signing in. */
  from?: string;
}

export const SIGN_IN_NOTICES: Readonly<Record<SignInReason, string>> = {
  'signed-out': 'You signed out.',
  'session-ended':
    'Your session ended, perhaps because you signed out on another device. Sign in again to continue.',
  'account-deleted': 'Your account was deleted. Thank you for using Parley.',
  'signed-out-everywhere': 'You signed out on every device.',
  verified: 'Your email is confirmed. Sign in to start using Parley.',
  'password-reset':
    'Your password was changed and every device was signed out. Sign in with your new password.',
};

/** Reads a `SignInState` from unknown history state, keeping only well-formed fields. */
export function readSignInState(state: unknown): SignInState {
  if (!state || typeof state !== 'object') return {};
  const { reason, email, from } = state as Record<string, unknown>;
  return {
    reason: typeof reason === 'string' && reason in SIGN_IN_NOTICES ? (reason as SignInReason) : undefined,
    email: typeof email === 'string' ? email : undefined,
    // Only same-app paths: never an open redirect to another site.
    from: typeof from === 'string' && from.startsWith('/') && !from.startsWith('//') ? from : undefined,
  };
}

/** A string field of history state, e.g. the email on the "check your email" page. */
export function stateString(state: unknown, key: string): string | undefined {
  if (!state || typeof state !== 'object') return undefined;
  const value = (state as Record<string, unknown>)[key];
  return typeof value === 'string' ? value : undefined;
}

import { useSyncExternalStore } from 'react';
import { onMfaEnrolmentRequired } from '../api/client.js';

/**
 * REQUIRE_MFA: once the API answers 403 `mfa_enrollment_required`, the app knows this account must set
 * up a second factor before anything else, and the router keeps it on Settings → Security until it has.
 */

let required = false;
const listeners = new Set<() => void>();
const emit = () => {
  for (const listener of listeners) listener();
};

onMfaEnrolmentRequired(() => {
  if (required) return;
  required = true;
  emit();
});

/** The account now has a second factor (or signed out): the rest of the app is open again. */
export function clearMfaEnrolmentRequired(): void {
  if (!required) return;
  required = false;
  emit();
}

export function useMfaEnrolmentRequired(): boolean {
  return useSyncExternalStore(
    (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    () => required,
  );
}

/** Where an account that must set up a second factor is sent. */
export const ENROLMENT_PATH = '/settings/security';

import type { PasswordStrength } from '@parley/contract/password-strength';
import { useEffect, useState } from 'react';

type StrengthModule = typeof import('@parley/contract/password-strength');

let loading: Promise<StrengthModule> | undefined;

/**
 * The strength rule the API refuses weak passwords with (zxcvbn-ts and its dictionaries), loaded on
 * first use as a chunk of its own: only pages with a new-password field pay for it, and the initial
 * JavaScript stays small.
 */
function strengthModule(): Promise<StrengthModule> {
  loading ??= import('@parley/contract/password-strength').catch((error: unknown) => {
    loading = undefined;
    throw error;
  });
  return loading;
}

/** Who the password is for: their details count as an attacker's first guesses, as on the server. */
export interface StrengthContext {
  email?: string | undefined;
  displayName?: string | undefined;
}

/**
 * The strength of a new password while it is typed (a short pause after the last key), judged exactly
 * as the API will judge it; undefined while empty or still loading.
 */
export function usePasswordStrength(
  password: string,
  context: StrengthContext = {},
): PasswordStrength | undefined {
  const [result, setResult] = useState<{ password: string; strength: PasswordStrength }>();
  const { email, displayName } = context;
  useEffect(() => {
    if (!password) return;
    let current = true;
    const timer = setTimeout(() => {
      strengthModule().then(
        (module) => {
          if (!current) return;
          const words = module.contextWords({ email, displayName, hostName: window.location.hostname });
          setResult({ password, strength: module.passwordStrength(password, words) });
        },
        () => undefined,
      );
    }, 150);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [password, email, displayName]);
  return password && result?.password === password ? result.strength : undefined;
}

import { type ReactNode, useState } from 'react';
import { describePasskeyError } from '../session/passkeys.js';

/** Where a passkey ceremony stands: the browser prompt open (busy), and what went wrong last time. */
export interface PasskeyCeremony {
  readonly busy: boolean;
  readonly problem?: string | undefined;
}

/**
 * Runs a passkey ceremony (sign-in, second step, re-authentication) one at a time. A failure is told in
 * words: the browser prompt closed or timed out, else what `refused` says for the error (null when the
 * caller dealt with it some other way, e.g. by leaving the page).
 */
export function usePasskeyCeremony(
  run: () => Promise<void>,
  refused: (error: unknown) => string | null,
): [PasskeyCeremony, () => Promise<void>] {
  const [ceremony, setCeremony] = useState<PasskeyCeremony>({ busy: false });
  const start = async () => {
    if (ceremony.busy) return;
    setCeremony({ busy: true });
    try {
      await run();
      setCeremony({ busy: false });
    } catch (error) {
      setCeremony({ busy: false, problem: describePasskeyError(error) ?? refused(error) ?? undefined });
    }
  };
  return [ceremony, start];
}

/** The button that starts a passkey ceremony, and its problem below it. */
export function PasskeyButton({
  ceremony,
  onStart,
  primary = false,
  children,
}: {
  ceremony: PasskeyCeremony;
  onStart(): Promise<void>;
  primary?: boolean;
  children: ReactNode;
}) {
  return (
    <>
      <button
        type="button"
        className={primary ? 'button button-primary' : 'button button-secondary'}
        onClick={() => void onStart()}
        aria-disabled={ceremony.busy || undefined}
      >
        {ceremony.busy ? 'Waiting for your passkey…' : children}
      </button>
      {ceremony.problem ? (
        <p className="field-error" role="alert">
          {ceremony.problem}
        </p>
      ) : null}
    </>
  );
}

import type { ReactNode } from 'react';

interface SubmitButtonProps {
  busy: boolean;
  /** What the button says while the request runs, e.g. "Signing in…". */
  busyLabel: string;
  children: ReactNode;
  variant?: 'primary' | 'secondary' | 'danger';
}

/**
 * A submit button that shows progress. It stays focusable while busy (`aria-disabled`, not `disabled`):
 * disabling the focused button would drop keyboard focus to the page.
 */
export function SubmitButton({ busy, busyLabel, children, variant = 'primary' }: SubmitButtonProps) {
  return (
    <button type="submit" className={`button button-${variant}`} aria-disabled={busy || undefined}>
      {busy ? <span className="spinner" aria-hidden="true" /> : null}
      {busy ? busyLabel : children}
    </button>
  );
}

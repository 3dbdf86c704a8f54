import type { ReactNode } from 'react';

/** A problem in words, announced at once (`role="alert"`); nothing when there is none. */
export function AlertText({ children }: { children?: ReactNode }) {
  if (!children) return null;
  return (
    <p className="alert-text" role="alert">
      {children}
    </p>
  );
}

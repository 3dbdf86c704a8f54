import type { ReactNode } from 'react';

/** A polite live region for confirmations ("Saved", "Link sent"). Rendered empty so it is announced. */
export function Status({ children, tone = 'ok' }: { children?: ReactNode; tone?: 'ok' | 'info' }) {
  return (
    <div className={children ? `status-message status-${tone}` : 'status-empty'} role="status">
      {children}
    </div>
  );
}

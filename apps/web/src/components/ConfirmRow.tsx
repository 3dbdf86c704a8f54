import type { Ref } from 'react';

interface ConfirmRowProps {
  /** The confirming button's words, e.g. "Yes, remove “Laptop”". */
  label: string;
  /** Said on it while the action runs, e.g. "Removing…". */
  busyLabel: string;
  busy: boolean;
  onConfirm(): void;
  onCancel(): void;
  /** The confirming button, for a page that focuses it when the question opens. */
  confirmRef?: Ref<HTMLButtonElement> | undefined;
}

/** The second step of a destructive action: the red "Yes, …" button beside Cancel. */
export function ConfirmRow({ label, busyLabel, busy, onConfirm, onCancel, confirmRef }: ConfirmRowProps) {
  return (
    <div className="confirm-row">
      <button
        type="button"
        ref={confirmRef}
        className="button button-danger"
        onClick={onConfirm}
        aria-disabled={busy || undefined}
      >
        {busy ? busyLabel : label}
      </button>
      <button type="button" className="button button-secondary" onClick={onCancel}>
        Cancel
      </button>
    </div>
  );
}

import { useEffect, useRef } from 'react';

interface RecoveryCodesPanelProps {
  codes: readonly string[];
  onDone(): void;
}

/**
 * Ten recovery codes, shown this once: the server keeps only their keyed hashes. Focus moves to the
 * heading, so a screen reader reads them next.
 */
export function RecoveryCodesPanel({ codes, onDone }: RecoveryCodesPanelProps) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    heading.current?.focus();
  }, []);
  return (
    <section className="recovery-panel" aria-labelledby="recovery-codes-title">
      <h3 id="recovery-codes-title" ref={heading} tabIndex={-1} className="section-title">
        Your recovery codes
      </h3>
      <p>
        Save these now — in a password manager, or printed and kept somewhere safe. You won’t see them again.
        If you lose your phone, each code signs you in once instead of a code from the app.
      </p>
      <ol className="recovery-codes" data-testid="recovery-codes">
        {codes.map((code) => (
          <li key={code}>
            <code>{code}</code>
          </li>
        ))}
      </ol>
      <button type="button" className="button button-primary" onClick={onDone}>
        I’ve saved my recovery codes
      </button>
    </section>
  );
}

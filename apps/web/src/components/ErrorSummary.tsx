import { type MouseEvent, type ReactNode, useEffect, useId, useRef } from 'react';
import { fieldId } from './Field.js';

interface ErrorSummaryProps {
  /** Field name → message; each becomes a link that moves focus to the field. */
  fieldErrors: Partial<Record<string, string>>;
  formError?: string | undefined;
  children?: ReactNode;
}

/**
 * The list of what went wrong on submit, announced (`role="alert"`) and focused, so keyboard and screen
 * reader users learn about every error at once, then reach each field from its link.
 */
export function ErrorSummary({ fieldErrors, formError, children }: ErrorSummaryProps) {
  const ref = useRef<HTMLDivElement>(null);
  const titleId = useId();
  const entries = Object.entries(fieldErrors).filter((entry): entry is [string, string] => Boolean(entry[1]));
  const shown = Boolean(formError) || entries.length > 0;
  const signature = `${formError ?? ''}|${entries.map(([name, message]) => `${name}:${message}`).join('|')}`;

  useEffect(() => {
    if (shown && signature) ref.current?.focus();
  }, [shown, signature]);

  const focusField = (event: MouseEvent<HTMLAnchorElement>, name: string) => {
    const input = document.getElementById(fieldId(name));
    if (!input) return;
    event.preventDefault();
    input.focus();
  };

  if (!shown) return null;
  return (
    <div className="error-summary" role="alert" tabIndex={-1} ref={ref} aria-labelledby={titleId}>
      <h2 id={titleId} className="error-summary-title">
        {entries.length > 0 && !formError ? 'Please correct the following' : 'There is a problem'}
      </h2>
      {formError ? <p>{formError}</p> : null}
      {entries.length > 0 ? (
        <ul>
          {entries.map(([name, message]) => (
            <li key={name}>
              <a href={`#${fieldId(name)}`} onClick={(event) => focusField(event, name)}>
                {message}
              </a>
            </li>
          ))}
        </ul>
      ) : null}
      {children}
    </div>
  );
}

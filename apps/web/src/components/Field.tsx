import { type InputHTMLAttributes, type ReactNode, useId, useState } from 'react';

type InputProps = Omit<InputHTMLAttributes<HTMLInputElement>, 'id' | 'aria-describedby' | 'aria-invalid'>;

export interface FieldProps extends InputProps {
  label: string;
  /** Always-visible help, e.g. the password rule. */
  hint?: ReactNode;
  error?: string | undefined;
  /** Renders a show/hide button for password inputs. */
  revealable?: boolean;
}

/** Id of the input of field `name`, so error summaries can link to it. */
export const fieldId = (name: string) => `field-${name}`;

/** A labelled input with its hint and error tied to it through `aria-describedby`. */
export function Field({ label, hint, error, revealable, type = 'text', name, ...input }: FieldProps) {
  const id = name ? fieldId(name) : undefined;
  const autoId = useId();
  const inputId = id ?? autoId;
  const hintId = `${inputId}-hint`;
  const errorId = `${inputId}-error`;
  const [revealed, setRevealed] = useState(false);
  const describedBy = [hint ? hintId : undefined, error ? errorId : undefined].filter(Boolean).join(' ');

  return (
    <div className={`field${error ? ' field-invalid' : ''}`}>
      <label htmlFor={inputId}>{label}</label>
      {hint ? (
        <p className="field-hint" id={hintId}>
          {hint}
        </p>
      ) : null}
      {error ? (
        <p className="field-error" id={errorId}>
          <span className="visually-hidden">Error: </span>
          {error}
        </p>
      ) : null}
      <div className="field-control">
        <input
          {...input}
          id={inputId}
          name={name}
          type={revealable && revealed ? 'text' : type}
          aria-invalid={error ? true : undefined}
          aria-describedby={describedBy || undefined}
        />
        {revealable ? (
          <button
            type="button"
            className="button-quiet reveal"
            aria-pressed={revealed}
            aria-controls={inputId}
            onClick={() => setRevealed((shown) => !shown)}
          >
            {revealed ? 'Hide' : 'Show'}
            <span className="visually-hidden"> {label.toLowerCase()}</span>
          </button>
        ) : null}
      </div>
    </div>
  );
}

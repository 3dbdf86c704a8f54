import { type ChangeEvent, type FormEvent, useCallback, useRef, useState } from 'react';
import { sortErrors } from './form-errors.js';

export { FieldError } from './form-errors.js';

export interface BindOptions {
  /** Editing the field clears its error at once (small inline forms); by default errors stay until the next submit. */
  clearErrorOnEdit?: boolean;
}

export interface FormState<K extends string> {
  values: Record<K, string>;
  fieldErrors: Partial<Record<K, string>>;
  /** An error that is not about one field (wrong password, rate limit, network), in words. */
  formError: string | undefined;
  /** The last error, for pages that act on its code (e.g. `email_not_verified`). */
  error: unknown;
  busy: boolean;
  /** Props for a `Field`: name, value, onChange and the field's error. */
  bind(
    name: K,
    options?: BindOptions,
  ): {
    name: K;
    value: string;
    error: string | undefined;
    onChange(event: ChangeEvent<HTMLInputElement>): void;
  };
  setValue(name: K, value: string): void;
  reset(values?: Partial<Record<K, string>>): void;
  /**
   * A submit handler for `action`: ignores resubmits while busy and sorts errors into field and form
   * errors (see sortErrors). Without an event it runs the action directly (a button that is not submit).
   */
  onSubmit(
    action: (values: Record<K, string>) => Promise<void>,
  ): (event?: FormEvent<HTMLFormElement>) => void;
}

/**
 * The one way the web app's forms hold values, busy state and errors. Values are checked against the
 * contract's zod schemas by the API client before anything is sent (`validation_failed` with field
 * details), and again by the server; `labels` name the fields in messages.
 */
export function useForm<K extends string>(
  initial: Record<K, string>,
  labels: Record<K, string>,
): FormState<K> {
  const [values, setValues] = useState(initial);
  const [fieldErrors, setFieldErrors] = useState<Partial<Record<K, string>>>({});
  const [formError, setFormError] = useState<string>();
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const busyRef = useRef(false);
  const valuesRef = useRef(values);
  valuesRef.current = values;

  const setValue = useCallback((name: K, value: string) => {
    setValues((current) => ({ ...current, [name]: value }));
  }, []);

  const clear = () => {
    setFieldErrors({});
    setFormError(undefined);
    setError(undefined);
  };

  return {
    values,
    fieldErrors,
    formError,
    error,
    busy,
    bind: (name, options = {}) => ({
      name,
      value: values[name],
      error: fieldErrors[name],
      onChange: (event) => {
        setValue(name, event.target.value);
        if (options.clearErrorOnEdit) {
          setFieldErrors((current) =>
            current[name] === undefined ? current : { ...current, [name]: undefined },
          );
        }
      },
    }),
    setValue,
    reset: (next = {}) => {
      setValues({ ...initial, ...next });
      clear();
    },
    onSubmit: (action) => (event) => {
      event?.preventDefault();
      if (busyRef.current) return;
      busyRef.current = true;
      setBusy(true);
      const submitted = valuesRef.current;
      action(submitted)
        .then(clear, (caught: unknown) => {
          const sorted = sortErrors(caught, labels, submitted);
          setError(caught);
          setFieldErrors(sorted.fieldErrors);
          setFormError(sorted.formError);
        })
        .finally(() => {
          busyRef.current = false;
          setBusy(false);
        });
    },
  };
}

import { type ChangeEvent, type FormEvent, useCallback, useRef, useState } from 'react';
import { ApiError, describeError, type FieldErrors } from '../api/client.js';

/** Turns a contract or server field message ("must be at least 12 characters") into a sentence. */
export function fieldMessage(label: string, message: string, value: string): string {
  if (value.trim() === '') return `Enter ${label.charAt(0).toLowerCase()}${label.slice(1)}`;
  return /^[a-z]/.test(message) ? `${label} ${message}` : `${label}: ${message}`;
}

export interface FormState<K extends string> {
  values: Record<K, string>;
  fieldErrors: Partial<Record<K, string>>;
  /** An error that is not about one field (wrong password, rate limit, network), in words. */
  formError: string | undefined;
  /** The last error, for pages that act on its code (e.g. `email_not_verified`). */
  error: unknown;
  busy: boolean;
  bind(name: K): { name: K; value: string; onChange(event: ChangeEvent<HTMLInputElement>): void };
  setValue(name: K, value: string): void;
  reset(values?: Partial<Record<K, string>>): void;
  /** An `onSubmit` handler: ignores resubmits while busy and sorts errors into field and form errors. */
  onSubmit(action: (values: Record<K, string>) => Promise<void>): (event: FormEvent<HTMLFormElement>) => void;
}

/** Form values, busy state and error mapping shared by every form. `labels` name the fields in messages. */
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

  const sortErrors = (caught: unknown, submitted: Record<K, string>) => {
    setError(caught);
    const fields: FieldErrors = caught instanceof ApiError ? caught.fieldErrors : {};
    const mapped: Partial<Record<K, string>> = {};
    let unmatched = false;
    for (const [field, message] of Object.entries(fields)) {
      if (field in labels) {
        const key = field as K;
        mapped[key] = fieldMessage(labels[key], message, submitted[key]);
      } else {
        unmatched = true;
      }
    }
    setFieldErrors(mapped);
    setFormError(Object.keys(mapped).length > 0 && !unmatched ? undefined : describeError(caught));
  };

  return {
    values,
    fieldErrors,
    formError,
    error,
    busy,
    bind: (name) => ({
      name,
      value: values[name],
      onChange: (event) => setValue(name, event.target.value),
    }),
    setValue,
    reset: (next = {}) => {
      setValues({ ...initial, ...next });
      setFieldErrors({});
      setFormError(undefined);
      setError(undefined);
    },
    onSubmit: (action) => (event) => {
      event.preventDefault();
      if (busyRef.current) return;
      busyRef.current = true;
      setBusy(true);
      const submitted = valuesRef.current;
      action(submitted)
        .then(
          () => {
            setFieldErrors({});
            setFormError(undefined);
            setError(undefined);
          },
          (caught: unknown) => sortErrors(caught, submitted),
        )
        .finally(() => {
          busyRef.current = false;
          setBusy(false);
        });
    },
  };
}

import type { ReactNode } from 'react';
import type { FormState } from '../forms/use-form.js';
import { ErrorSummary } from './ErrorSummary.js';

interface FormProps<K extends string> {
  form: FormState<K>;
  /** What submitting does; errors it throws are sorted into the summary and the fields. */
  action(values: Record<K, string>): Promise<void>;
  className?: string;
  /** Shown inside the error summary, e.g. an action that fixes the error. */
  summary?: ReactNode;
  children: ReactNode;
}

/**
 * A page's form: the error summary (announced and focused when a submit fails, each field error a link to
 * its field) above the fields. `useForm` holds the values, busy state and errors.
 */
export function Form<K extends string>({
  form,
  action,
  className = 'form',
  summary,
  children,
}: FormProps<K>) {
  return (
    <>
      <ErrorSummary fieldErrors={form.fieldErrors} formError={form.formError}>
        {summary}
      </ErrorSummary>
      <form onSubmit={form.onSubmit(action)} noValidate className={className}>
        {children}
      </form>
    </>
  );
}

import type { KeyboardEvent, ReactNode } from 'react';
import { Field } from '../components/Field.js';
import type { BindOptions, FormState } from '../forms/use-form.js';

interface PersonFieldProps {
  /** A form whose `email` is the address to look up (see findUser). */
  form: FormState<'email'>;
  label: string;
  /** The input's name (and id), unique on the screen. */
  name: string;
  hint?: ReactNode;
  bind?: BindOptions;
  onKeyDown?(event: KeyboardEvent<HTMLInputElement>): void;
}

/**
 * Someone's email address, to message or add them. Whatever stopped it (no such user, a refused
 * request) is said next to the address: these small forms have no error summary.
 */
export function PersonField({ form, label, name, hint, bind, onKeyDown }: PersonFieldProps) {
  return (
    <Field
      label={label}
      type="email"
      autoComplete="off"
      hint={hint}
      onKeyDown={onKeyDown}
      {...form.bind('email', bind)}
      name={name}
      error={form.fieldErrors.email ?? form.formError}
    />
  );
}

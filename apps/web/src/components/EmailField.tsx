import { Field, type FieldProps } from './Field.js';

/** An email input as the account forms ask for it: the address keyboard, no spell check, autofill. */
export function EmailField({
  label = 'Email',
  ...field
}: Omit<FieldProps, 'type' | 'label'> & { label?: string }) {
  return (
    <Field label={label} type="email" autoComplete="email" inputMode="email" spellCheck={false} {...field} />
  );
}

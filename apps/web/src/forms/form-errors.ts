import { ApiError, describeError } from '../api/client.js';

/**
 * A problem with one field found before or instead of the server's answer (an address nobody uses, an
 * empty name): an action throws it and the form shows `message` next to the field, as written.
 */
export class FieldError extends Error {
  override readonly name = 'FieldError';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

/** Turns a contract or server field message ("must be at least 12 characters") into a sentence. */
export function fieldMessage(label: string, message: string, value: string): string {
  if (value.trim() === '') return `Enter ${label.charAt(0).toLowerCase()}${label.slice(1)}`;
  return /^[a-z]/.test(message) ? `${label} ${message}` : `${label}: ${message}`;
}

export interface SortedErrors<K extends string> {
  readonly fieldErrors: Partial<Record<K, string>>;
  /** What is not about one of the form's fields (wrong password, rate limit, network), in words. */
  readonly formError: string | undefined;
}

/**
 * Sorts a failed submit into field errors and a form error. Field errors come from a FieldError, or from
 * `validation_failed` (the contract's schemas, checked by the API client before sending and by the
 * server), named by the field's label. Anything else, or a field the form does not have, is a form error.
 */
export function sortErrors<K extends string>(
  caught: unknown,
  labels: Readonly<Record<K, string>>,
  submitted: Readonly<Record<K, string>>,
): SortedErrors<K> {
  if (caught instanceof FieldError && caught.field in labels) {
    return {
      fieldErrors: { [caught.field]: caught.message } as Partial<Record<K, string>>,
      formError: undefined,
    };
  }
  const fields = caught instanceof ApiError ? caught.fieldErrors : {};
  const fieldErrors: Partial<Record<K, string>> = {};
  let unmatched = false;
  for (const [field, message] of Object.entries(fields)) {
    if (field in labels) {
      const key = field as K;
      fieldErrors[key] = fieldMessage(labels[key], message, submitted[key]);
    } else {
      unmatched = true;
    }
  }
  const formError =
    Object.keys(fieldErrors).length > 0 && !unmatched
      ? undefined
      : caught instanceof FieldError
        ? caught.message
        : describeError(caught);
  return { fieldErrors, formError };
}

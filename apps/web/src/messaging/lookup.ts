import type { PublicUser } from '@parley/contract';
import { api, describeError, isApiError } from '../api/client.js';
import { FieldError } from '../forms/use-form.js';

/** Finds a verified user by email; what went wrong, in words, is a FieldError for the form's `email`. */
export async function findUser(email: string, me: string): Promise<PublicUser> {
  const address = email.trim();
  if (address === '') throw new FieldError('email', 'Enter an email address.');
  try {
    const user = await api.lookupUser(address);
    if (user.id === me) throw new FieldError('email', 'That is your own address. Enter someone else’s.');
    return user;
  } catch (error) {
    if (error instanceof FieldError) throw error;
    if (isApiError(error, 'not_found')) {
      throw new FieldError(
        'email',
        'No one with that email address uses Parley yet (or they have not confirmed it).',
      );
    }
    if (isApiError(error, 'validation_failed'))
      throw new FieldError('email', 'Enter an email address like name@example.com.');
    throw new FieldError('email', describeError(error));
  }
}

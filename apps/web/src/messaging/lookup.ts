import type { PublicUser } from '@parley/contract';
import { api, describeError, isApiError } from '../api/client.js';

/** Finds a verified user by email; the error, in words, belongs next to the email field. */
export async function findUser(email: string, me: string): Promise<PublicUser> {
  const address = email.trim();
  if (address === '') throw new Error('Enter an email address.');
  try {
    const user = await api.lookupUser(address);
    if (user.id === me) throw new Error('That is your own address. Enter someone else’s.');
    return user;
  } catch (error) {
    if (isApiError(error, 'not_found')) {
      throw new Error('No one with that email address uses Parley yet (or they have not confirmed it).');
    }
    if (isApiError(error, 'validation_failed'))
      throw new Error('Enter an email address like name@example.com.');
    if (error instanceof Error && !isApiError(error) && error.name === 'Error') throw error;
    throw new Error(describeError(error));
  }
}

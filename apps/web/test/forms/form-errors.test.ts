import { describe, expect, it } from 'vitest';
import { ApiError, NetworkError } from '../../src/api/api-error.js';
import { FieldError, fieldMessage, sortErrors } from '../../src/forms/form-errors.js';

const LABELS = { email: 'Email', password: 'Password' };
const SUBMITTED = { email: 'ada@example.test', password: 'short' };

describe('form errors', () => {
  it('names the field in a contract message, or asks for it when it was left empty', () => {
    expect(fieldMessage('Password', 'must be at least 12 characters', 'short')).toBe(
      'Password must be at least 12 characters',
    );
    expect(fieldMessage('Group name', 'Too long', 'x')).toBe('Group name: Too long');
    expect(fieldMessage('Display name', 'must not be empty', '   ')).toBe('Enter display name');
  });

  it('puts validation errors on the form’s fields, with no form error when all of them are fields', () => {
    const error = new ApiError('validation_failed', 'Request is not valid', 400, {
      password: 'must be at least 12 characters',
    });
    expect(sortErrors(error, LABELS, SUBMITTED)).toEqual({
      fieldErrors: { password: 'Password must be at least 12 characters' },
      formError: undefined,
    });
  });

  it('says so for the whole form when a field error is about a field the form does not have', () => {
    const error = new ApiError('validation_failed', 'Request is not valid', 400, {
      email: 'is not an email',
      token: 'is required',
    });
    expect(sortErrors(error, LABELS, SUBMITTED)).toEqual({
      fieldErrors: { email: 'Email is not an email' },
      formError: 'Check the highlighted fields.',
    });
  });

  it('shows a FieldError on its field as written', () => {
    const sorted = sortErrors(
      new FieldError('email', 'No one with that email address uses Parley yet.'),
      LABELS,
      SUBMITTED,
    );
    expect(sorted).toEqual({
      fieldErrors: { email: 'No one with that email address uses Parley yet.' },
      formError: undefined,
    });
    expect(sortErrors(new FieldError('title', 'Enter a name'), LABELS, SUBMITTED)).toEqual({
      fieldErrors: {},
      formError: 'Enter a name',
    });
  });

  it('turns anything else into one form error, in words', () => {
    const wrong = new ApiError('invalid_credentials', 'Email or password is incorrect', 401);
    expect(sortErrors(wrong, LABELS, SUBMITTED)).toEqual({
      fieldErrors: {},
      formError: 'Email or password is incorrect',
    });
    expect(sortErrors(new NetworkError('down'), LABELS, SUBMITTED).formError).toContain(
      'could not be reached',
    );
  });
});

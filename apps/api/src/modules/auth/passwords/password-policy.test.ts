import { describe, expect, it } from 'vitest';
import { passwordProblem, preloadPasswordPolicy } from './password-policy.js';

const EMAIL = 'ada.lovelace@example.com';
const CONTEXT = { email: EMAIL, displayName: 'Marguerite Oakhollow', hostName: 'chat.northwind-parley.com' };

describe('password policy', () => {
  it('ships more than 10,000 common passwords', () => {
    expect(preloadPasswordPolicy()).toBeGreaterThan(10_000);
  });

  it.each([
    'password1234',
    'Password123456!',
    'qwertyuiop123',
    'dragondragon',
    'qwertyqwerty12',
    '!!sunshine2024',
    'iloveyou1234567',
    'monkey-monkey-monkey',
    'parley2026!!!!',
    'Parley-Parley',
    'ada.lovelace@example.com',
    'ada.lovelace',
    'ada.lovelace1234',
    // The display name and the site's host name (ASVS 6.1.2, docs/security.md §2.14).
    'Marguerite Oakhollow',
    'margueriteoakhollow!',
    'MargueriteOakhollow2026',
    'chat.northwind-parley.com',
    'northwind-parley-2026',
    // Too guessable by zxcvbn (score < 3), with feedback.
    'aaaaaaaaaaaa',
    'correcthorsebatterystaple',
    'abcdefghijklmnop',
    'asdfghjkl;lkjh',
  ])('refuses %s', (password) => {
    expect(passwordProblem(password, CONTEXT)).toBeDefined();
  });

  it.each([
    'zebra lamp oak',
    'violet-harbor-lantern-42',
    'Ünïcödé passphrase ✓',
    'a'.repeat(3) + 'b7#kLm29xQ',
    '   leading spaces count',
  ])('accepts %s (any composition, no rules)', (password) => {
    expect(passwordProblem(password, CONTEXT)).toBeUndefined();
  });

  it('explains a weak password with zxcvbn feedback', () => {
    expect(passwordProblem('aaaaaaaaaaaa', CONTEXT)).toMatch(/^is too easy to guess\. Repeated characters/);
    expect(passwordProblem('correcthorsebatterystaple', CONTEXT)).toMatch(/heavily used password/);
  });

  it('compares exactly as received otherwise: no trimming or case folding of what is stored', () => {
    // Case and padding only matter for recognising common words; the hash is of the exact input.
    expect(passwordProblem('ZEBRA LAMP OAK', CONTEXT)).toBeUndefined();
  });
});

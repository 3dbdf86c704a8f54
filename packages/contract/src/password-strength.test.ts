import { describe, expect, it } from 'vitest';
import {
  contextWords,
  MIN_PASSWORD_SCORE,
  passwordStrength,
  weakPasswordMessage,
} from './password-strength.js';

const words = contextWords({
  email: 'ada.lovelace@example.com',
  displayName: 'Marguerite Oakhollow',
  hostName: 'chat.northwind.example',
});

describe('password strength (shared by the API and the web app)', () => {
  it('counts the account and the site as the first guesses, never the top-level domain', () => {
    expect(words).toEqual(
      expect.arrayContaining([
        'parley',
        'ada.lovelace@example.com',
        'ada.lovelace',
        'lovelace',
        'marguerite oakhollow',
        'oakhollow',
        'chat.northwind.example',
        'northwind',
      ]),
    );
    expect(words).not.toContain('example.com');
    expect(contextWords({ hostName: '127.0.0.1' })).toEqual(['parley']);
  });

  it.each(['aaaaaaaaaaaa', 'correcthorsebatterystaple', 'Marguerite Oakhollow', 'abcdefghijklmnop'])(
    'scores %s below %i with words of advice',
    (password) => {
      const strength = passwordStrength(password, words);
      expect(strength.score).toBeLessThan(MIN_PASSWORD_SCORE);
      expect(strength.strongEnough).toBe(false);
      expect(weakPasswordMessage(strength)).toMatch(/^is too easy to guess\. \S/);
    },
  );

  it.each(['violet-harbor-lantern-42', 'zebra lamp oak', 'Ünïcödé passphrase ✓'])(
    'accepts %s',
    (password) => {
      expect(passwordStrength(password, words).strongEnough).toBe(true);
    },
  );

  it('words its feedback in English, never as bare zxcvbn keys', () => {
    const strength = passwordStrength('Marguerite Oakhollow', words);
    expect(strength.warning).toBe('Avoid your name, your email address and the name of this site.');
    for (const line of strength.suggestions) expect(line).toMatch(/ /);
  });
});

import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createPwnedPasswords } from '../../src/platform/breaches/pwned-passwords.js';

const PASSWORD = 'lighthouse-meadow-quartz-71';
const hash = createHash('sha1').update(PASSWORD).digest('hex').toUpperCase();

function client(answer: () => Response | Promise<Response>) {
  const warnings: object[] = [];
  const urls: string[] = [];
  const breaches = createPwnedPasswords({
    baseUrl: 'http://range.invalid/',
    timeoutMs: 1000,
    log: { warn: (obj) => warnings.push(obj) },
    fetch: async (url) => {
      urls.push(String(url));
      return answer();
    },
  });
  return { breaches, warnings, urls };
}

describe('Pwned Passwords range client', () => {
  it('asks for the 5-character prefix and finds the suffix, case-insensitively, ignoring 0 counts', async () => {
    const { breaches, urls } = client(
      () => new Response(`0000000000000000000000000000000000A:3\r\n${hash.slice(5).toLowerCase()}:12\r\n`),
    );
    expect(await breaches.check(PASSWORD)).toEqual({ kind: 'breached', count: 12 });
    expect(urls).toEqual([`http://range.invalid/range/${hash.slice(0, 5)}`]);
    const padded = client(() => new Response(`${hash.slice(5)}:0\n0000000000000000000000000000000000A:3`));
    expect(await padded.breaches.check(PASSWORD)).toEqual({ kind: 'not_found' });
  });

  it.each([
    ['a body that is not the range format', () => new Response('<html>maintenance</html>'), /range format/],
    ['an empty body', () => new Response(''), /empty/],
    ['a 429', () => new Response('slow down', { status: 429 }), /HTTP 429/],
    [
      'a network error',
      () => {
        throw new TypeError('fetch failed');
      },
      /request failed/,
    ],
  ] as const)('is unavailable (and says why in the log) on %s', async (_name, answer, reason) => {
    const { breaches, warnings } = client(answer);
    const verdict = await breaches.check(PASSWORD);
    expect(verdict).toMatchObject({ kind: 'unavailable', reason: expect.stringMatching(reason) });
    expect(warnings).toEqual([expect.objectContaining({ reason: expect.stringMatching(reason) })]);
    expect(JSON.stringify(warnings)).not.toContain(hash.slice(0, 5));
  });

  it('is off without a base URL, and asks nothing', async () => {
    const breaches = createPwnedPasswords({
      baseUrl: undefined,
      timeoutMs: 1000,
      log: { warn: () => undefined },
      fetch: () => {
        throw new Error('must not be called');
      },
    });
    expect(await breaches.check(PASSWORD)).toEqual({ kind: 'off' });
  });
});

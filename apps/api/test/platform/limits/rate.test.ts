import { describe, expect, it } from 'vitest';
import { formatRate, parseRate } from '../../../src/platform/limits/rate.js';

describe('parseRate (<count>/<seconds>s)', () => {
  it('reads count and window', () => {
    expect(parseRate('60/10s')).toEqual({ count: 60, windowMs: 10_000 });
    expect(parseRate('1/1s')).toEqual({ count: 1, windowMs: 1_000 });
    expect(parseRate(' 100 / 3600s ')).toEqual({ count: 100, windowMs: 3_600_000 });
    expect(formatRate(parseRate('30/900s'))).toBe('30/900s');
  });

  it.each([
    '',
    '60',
    '60/10',
    '60/s',
    '/10s',
    '0/10s',
    '60/0s',
    '-1/10s',
    '1.5/10s',
    '60/10m',
    '60/604801s',
    'x/10s',
  ])('refuses %j', (value) => {
    expect(() => parseRate(value)).toThrow(/<count>\/<seconds>s/);
  });
});

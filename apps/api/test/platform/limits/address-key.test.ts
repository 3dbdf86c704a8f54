import { describe, expect, it } from 'vitest';
import { addressKey } from '../../../src/platform/limits/address-key.js';

describe('addressKey (per-IP limit keys)', () => {
  it('keeps an IPv4 address as it is', () => {
    expect(addressKey('203.0.113.7')).toBe('203.0.113.7');
    expect(addressKey('127.0.0.1')).toBe('127.0.0.1');
  });

  it('keys an IPv6 address by its /64, however it is written', () => {
    const key = '2001:db8:1:2::/64';
    for (const address of [
      '2001:db8:1:2::1',
      '2001:db8:1:2:ffff:ffff:ffff:ffff',
      '2001:0DB8:0001:0002:0000:0000:0000:0abc',
      '2001:db8:1:2:a:b:c:d',
      '[2001:db8:1:2::99]',
      'fe80::1%eth0'.replace('fe80::', '2001:db8:1:2::'),
    ]) {
      expect(addressKey(address), address).toBe(key);
    }
  });

  it('gives neighbouring /64s different keys', () => {
    expect(addressKey('2001:db8:1:2::1')).not.toBe(addressKey('2001:db8:1:3::1'));
    expect(addressKey('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(addressKey('::1')).toBe('0:0:0:0::/64');
    expect(addressKey('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
  });

  it('keys an IPv4-mapped IPv6 address as the IPv4 address it carries', () => {
    expect(addressKey('::ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(addressKey('::FFFF:cb00:7107')).toBe('203.0.113.7');
    expect(addressKey('0:0:0:0:0:ffff:198.51.100.1')).toBe('198.51.100.1');
    expect(addressKey('::ffff:203.0.113.7')).toBe(addressKey('203.0.113.7'));
  });

  it('does not mistake other embedded-IPv4 forms for IPv4', () => {
    // Only ::ffff:0:0/96 is a mapped IPv4 address; NAT64's 64:ff9b::/96 is an IPv6 network.
    expect(addressKey('64:ff9b::203.0.113.7')).toBe('64:ff9b:0:0::/64');
  });

  it('passes anything that is not an address through unchanged (lower-cased)', () => {
    expect(addressKey('unix-socket')).toBe('unix-socket');
    expect(addressKey('')).toBe('');
  });
});

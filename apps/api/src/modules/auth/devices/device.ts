import { createHash } from 'node:crypto';
import { isIPv4 } from 'node:net';
import { addressKey } from '../../../platform/limits/address-key.js';

const BROWSERS: ReadonlyArray<readonly [RegExp, string]> = [
  [/Edg(e|A|iOS)?\//, 'Edge'],
  [/OPR\/|Opera/, 'Opera'],
  [/Firefox\/|FxiOS\//, 'Firefox'],
  [/HeadlessChrome\//, 'Headless Chrome'],
  [/Chrom(e|ium)\/|CriOS\//, 'Chrome'],
  [/Version\/[\d.]+.*Safari\//, 'Safari'],
];

const SYSTEMS: ReadonlyArray<readonly [RegExp, string]> = [
  [/Android/, 'Android'],
  [/iPhone|iPad|iPod/, 'iOS'],
  [/CrOS/, 'ChromeOS'],
  [/Mac OS X|Macintosh/, 'macOS'],
  [/Windows/, 'Windows'],
  [/Linux/, 'Linux'],
];

/**
 * The family of a User-Agent header, without versions: "Firefox on Windows", or for a client that is no
 * browser its first product name ("curl"). Updates change the version, not the family, so a browser
 * stays the same device across them. (The web app's sessions page words user agents the same way.)
 */
export function userAgentFamily(userAgent: string | undefined | null): string {
  if (!userAgent?.trim()) return 'Unknown device';
  const browser = BROWSERS.find(([pattern]) => pattern.test(userAgent))?.[1];
  const system = SYSTEMS.find(([pattern]) => pattern.test(userAgent))?.[1];
  if (browser && system) return `${browser} on ${system}`;
  if (browser ?? system) return (browser ?? system) as string;
  const product = /^[A-Za-z][\w.-]{0,39}/.exec(userAgent.trim())?.[0];
  return product ?? 'Unknown device';
}

/** The client's network: its /24 for IPv4 (also IPv4-mapped IPv6), its /64 for IPv6. */
export function networkOf(ip: string): string {
  const key = addressKey(ip);
  if (isIPv4(key)) return `${key.split('.').slice(0, 3).join('.')}.0/24`;
  return key;
}

/**
 * What "the same device" means for new-sign-in notices: the same user agent family on the same network.
 * Stored as a SHA-256, so the table holds no address or header, only whether one was seen before.
 */
export function deviceKey(origin: { ip: string; userAgent: string | undefined }): string {
  return createHash('sha256')
    .update(`${userAgentFamily(origin.userAgent)}\n${networkOf(origin.ip)}`)
    .digest('hex');
}

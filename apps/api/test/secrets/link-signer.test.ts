import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { InvalidLinkError, LinkSigner } from '../../src/platform/secrets/link-signer.js';
import { type MfaKeyring, type MfaKeySource, mfaKeyring } from '../../src/platform/secrets/mfa-keys.js';

const OLD = 'old-material-0123456789-abcdefghijklmnop';
const NEW = 'new-material-0123456789-abcdefghijklmnop';
const OTHER = 'other-deployment-0123456789-abcdefghijk';
const DAY = 86_400_000;

/** A key source whose materials the test swaps, as a rotation of `mfa_encryption` does. */
function source(materials: string[]): MfaKeySource & { set(next: string[]): void } {
  let ring: MfaKeyring = mfaKeyring(materials, 'test');
  return {
    get: async () => ring,
    refresh: async () => ring,
    close: () => undefined,
    set(next) {
      ring = mfaKeyring(next, 'test');
    },
  };
}

const reasonOf = async (promise: Promise<unknown>) => {
  try {
    await promise;
  } catch (error) {
    if (error instanceof InvalidLinkError) return error.reason;
    throw error;
  }
  return 'accepted';
};

describe('signed email links (unsubscribe)', () => {
  it('verifies its own tokens until they expire, on an injected clock', async () => {
    let now = new Date('2026-12-01T00:00:00Z');
    const signer = new LinkSigner(source([NEW]), () => now);
    const token = await signer.sign('notify_unsubscribe', 'user-1', 90 * DAY);
    expect(token).toMatch(/^l1\.notify_unsubscribe\.[\w-]+\.[\w-]+\.[\w-]+$/);
    expect((await signer.verify('notify_unsubscribe', token)).sub).toBe('user-1');
    now = new Date(now.getTime() + 90 * DAY - 1000);
    expect((await signer.verify('notify_unsubscribe', token)).sub).toBe('user-1');
    now = new Date(now.getTime() + 2000);
    expect(await reasonOf(signer.verify('notify_unsubscribe', token))).toBe('expired');
  });

  it('keeps links made under the previous key working after a rotation, and no others', async () => {
    const keys = source([OLD]);
    const signer = new LinkSigner(keys);
    const before = await signer.sign('notify_unsubscribe', 'user-1', DAY);
    keys.set([OLD, NEW]);
    expect((await signer.verify('notify_unsubscribe', before)).sub).toBe('user-1');
    const after = await signer.sign('notify_unsubscribe', 'user-2', DAY);
    expect(after.split('.')[2]).not.toBe(before.split('.')[2]);
    keys.set([NEW]);
    expect(await reasonOf(signer.verify('notify_unsubscribe', before))).toBe('unknown_key');
    expect((await signer.verify('notify_unsubscribe', after)).sub).toBe('user-2');
  });

  it('refuses tampering, other deployments, other formats and a MAC under the sealing or recovery keys', async () => {
    const keys = source([NEW]);
    const signer = new LinkSigner(keys);
    const token = await signer.sign('notify_unsubscribe', 'user-1', DAY);
    const [version, purpose, kid, payload, mac] = token.split('.') as [
      string,
      string,
      string,
      string,
      string,
    ];
    const otherSub = Buffer.from(JSON.stringify({ sub: 'user-2', exp: 9_999_999_999 })).toString('base64url');
    expect(
      await reasonOf(signer.verify('notify_unsubscribe', [version, purpose, kid, otherSub, mac].join('.'))),
    ).toBe('bad_signature');
    const foreign = await new LinkSigner(source([OTHER])).sign('notify_unsubscribe', 'user-1', DAY);
    expect(await reasonOf(signer.verify('notify_unsubscribe', foreign))).toBe('unknown_key');
    for (const bad of ['', 'v4.public.abc', `${token}.x`, token.replace(/^l1/, 'l2')]) {
      expect(await reasonOf(signer.verify('notify_unsubscribe', bad))).toBe('malformed');
    }
    // A MAC made with one of the secret's other derived keys does not verify: each use has its own key.
    const key = (await keys.get()).current;
    const signed = [version, purpose, kid, payload].join('.');
    for (const otherKey of [key.macKey, key.sealKey]) {
      const forged = `${signed}.${createHmac('sha256', otherKey).update(signed).digest('base64url')}`;
      expect(await reasonOf(signer.verify('notify_unsubscribe', forged))).toBe('bad_signature');
    }
    expect(key.linkKey.equals(key.macKey) || key.linkKey.equals(key.sealKey)).toBe(false);
  });
});

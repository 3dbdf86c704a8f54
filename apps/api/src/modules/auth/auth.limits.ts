import type { FastifyRequest } from 'fastify';
import { type LimitRule, perAddress, perUser } from '../../http/limits.js';
import { addressKey } from '../../platform/limits/address-key.js';

const bodyEmail = (request: FastifyRequest) => {
  const body = request.body as { email?: unknown } | undefined;
  return typeof body?.email === 'string' ? body.email : undefined;
};

const bodyHas = (request: FastifyRequest, field: string) => {
  const body = request.body as Record<string, unknown> | undefined;
  return typeof body?.[field] === 'string';
};

/**
 * The auth rate limits of the security model; the numbers are config (`LIMIT_*`, docs/security.md §2.7),
 * and every instance shares them through Redis when configured.
 */
export const AUTH_LIMITS = {
  // Sign-ins count failures only (a successful one gives its hit back): docs/security.md §2.7.
  loginPerAccountAndIp: {
    rate: 'loginAccountIp',
    refundOnSuccess: true,
    key: (request) => {
      const email = bodyEmail(request);
      return email === undefined ? undefined : `${email}|${addressKey(request.ip)}`;
    },
  },
  loginPerIp: { rate: 'loginIp', key: perAddress, refundOnSuccess: true },
  registerPerIp: { rate: 'registerIp', key: perAddress },
  emailPerAddress: { rate: 'emailAddress', key: bodyEmail },
  /** An email change mails the address the caller names: the same per-address allowance as the above. */
  emailPerNewAddress: {
    rate: 'emailAddress',
    key: (request) => {
      const body = request.body as { newEmail?: unknown } | undefined;
      return typeof body?.newEmail === 'string' ? body.newEmail.trim().toLowerCase() : undefined;
    },
  },
  emailPerIp: { rate: 'emailIp', key: perAddress },
  tokenPerIp: { rate: 'tokenIp', key: perAddress },
  lookupPerUser: { rate: 'lookups', key: perUser },
  /** Change password and delete account re-check the password: a stolen session must not brute-force it. */
  passwordCheckPerUser: { rate: 'passwordChecks', key: perUser },
  /** Re-authentication with the password spends the same allowance as every other password re-check. */
  reauthPasswordPerUser: {
    rate: 'passwordChecks',
    key: (request) => (bodyHas(request, 'password') ? perUser(request) : undefined),
  },
  /**
   * Re-authentication with a code spends the account's second-factor allowance, which the sign-in
   * challenge (counted in the command, once the challenge names the account) and TOTP confirmation share.
   */
  reauthCodePerUser: {
    rate: 'mfaAccount',
    key: (request) => (bodyHas(request, 'code') ? perUser(request) : undefined),
  },
  /** Re-authentication with a passkey spends the same second-factor allowance as a code. */
  reauthPasskeyPerUser: {
    rate: 'mfaAccount',
    key: (request) => {
      const body = request.body as { passkey?: unknown } | undefined;
      return typeof body?.passkey === 'object' && body.passkey !== null ? perUser(request) : undefined;
    },
  },
  /**
   * Asking for passkey options stores a challenge: counted against the address's sign-in allowance,
   * without the refund a successful sign-in gets (every request for options succeeds).
   */
  passkeyOptionsPerIp: { rate: 'loginIp', key: perAddress },
  /** A new display name is announced to every conversation of the user: a rename loop must not flood them. */
  profileChangePerUser: { rate: 'profileChanges', key: perUser },
} satisfies Record<string, LimitRule>;

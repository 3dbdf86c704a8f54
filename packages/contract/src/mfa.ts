import { z } from 'zod';
import { Id, TokenString, User } from './auth.js';

/** How a sign-in's second step, or a re-authentication, can be done. `passkey` arrives with passkeys. */
export const MfaMethod = z.enum(['totp', 'recovery', 'passkey']);
export type MfaMethod = z.infer<typeof MfaMethod>;

/**
 * A second-factor code as typed: six TOTP digits, or a recovery code (`xxxx-xxxx-xxxx-xxxx`; spaces,
 * dashes and case do not matter). Which one it is, the server decides.
 */
export const MfaCode = z
  .string()
  .trim()
  .min(6, { message: 'must be the 6 digits from your app or a recovery code' })
  .max(64);
export type MfaCode = z.infer<typeof MfaCode>;

/**
 * 200 of POST /api/auth/login when the account has a second factor: no session yet and no cookie; send the
 * challenge back to POST /api/auth/login/mfa with a code (5 minutes, single use, 5 wrong codes).
 */
export const MfaRequired = z.object({
  mfaRequired: z.literal(true),
  challenge: z.string(),
  methods: z.array(MfaMethod),
});
export type MfaRequired = z.infer<typeof MfaRequired>;

/** 200 of POST /api/auth/login: signed in (`{ user, token }`), or a second factor is needed. */
export const LoginResult = z.union([z.object({ user: User, token: z.string() }), MfaRequired]);
export type LoginResult = z.infer<typeof LoginResult>;

/** POST /api/auth/login/mfa: the challenge of the password step and a TOTP or recovery code. */
export const LoginMfaBody = z.strictObject({ challenge: TokenString, code: MfaCode });
export type LoginMfaBody = z.infer<typeof LoginMfaBody>;

/** POST /api/auth/reauthenticate: the password, or (with a second factor) a TOTP or recovery code. */
export const ReauthenticateBody = z.union([
  z.strictObject({ password: z.string().min(1).max(1024) }),
  z.strictObject({ code: MfaCode }),
]);
export type ReauthenticateBody = z.infer<typeof ReauthenticateBody>;

/** A registered passkey, as GET /api/me/mfa lists it. */
export const PasskeySummary = z.object({
  id: Id,
  name: z.string(),
  createdAt: z.string(),
  lastUsedAt: z.string().nullable(),
});
export type PasskeySummary = z.infer<typeof PasskeySummary>;

/** 200 of GET /api/me/mfa: the account's second factors. */
export const MfaStatus = z.object({
  totp: z.boolean().describe('An authenticator app is confirmed and active'),
  passkeys: z.array(PasskeySummary),
  recoveryCodesLeft: z.number().int().min(0).describe('Unused recovery codes of the current set'),
});
export type MfaStatus = z.infer<typeof MfaStatus>;

/** 200 of POST /api/me/mfa/totp: a new secret, not active until confirmed with a code from the app. */
export const TotpEnrolment = z.object({
  secret: z.string().describe('Base32, for typing into the app by hand'),
  otpauthUri: z.string().describe('otpauth://totp/… as the QR code carries it'),
  qrSvg: z.string().describe('The QR code of otpauthUri as an SVG document, made by the server'),
});
export type TotpEnrolment = z.infer<typeof TotpEnrolment>;

/** POST /api/me/mfa/totp/confirm */
export const TotpConfirmBody = z.strictObject({
  code: z
    .string()
    .trim()
    .regex(/^\d{6}$/, { message: 'must be the 6 digits shown in your app' }),
});
export type TotpConfirmBody = z.infer<typeof TotpConfirmBody>;

/** Ten single-use recovery codes, shown once (confirming TOTP, regenerating). */
export const RecoveryCodes = z.object({ recoveryCodes: z.array(z.string()).length(10) });
export type RecoveryCodes = z.infer<typeof RecoveryCodes>;

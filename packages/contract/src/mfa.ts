import { z } from 'zod';
import { Id, TokenString, User } from './auth.js';
import { VisibleName } from './text.js';

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

/** Base64url as WebAuthn's JSON encodings carry binary fields. */
const Base64Url = (max: number) =>
  z
    .string()
    .min(1)
    .max(max)
    .regex(/^[A-Za-z0-9_-]+$/, { message: 'must be base64url' });

/**
 * A WebAuthn assertion (`navigator.credentials.get()` as `@simplewebauthn/browser`'s
 * `startAuthentication()` returns it: AuthenticationResponseJSON). The server checks the rest.
 */
export const PasskeyAssertion = z.object({
  id: Base64Url(1400),
  rawId: Base64Url(1400),
  type: z.literal('public-key'),
  response: z.object({
    clientDataJSON: Base64Url(4096),
    authenticatorData: Base64Url(4096),
    signature: Base64Url(2048),
    userHandle: Base64Url(256).optional(),
  }),
  authenticatorAttachment: z.enum(['platform', 'cross-platform']).optional(),
  clientExtensionResults: z.record(z.string(), z.unknown()).default({}),
});
export type PasskeyAssertion = z.infer<typeof PasskeyAssertion>;

/** A WebAuthn attestation (`startRegistration()`'s RegistrationResponseJSON). */
export const PasskeyAttestation = z.object({
  id: Base64Url(1400),
  rawId: Base64Url(1400),
  type: z.literal('public-key'),
  response: z.object({
    clientDataJSON: Base64Url(4096),
    attestationObject: Base64Url(16_384),
    authenticatorData: Base64Url(8192).optional(),
    transports: z.array(z.string().max(32)).max(10).optional(),
    publicKeyAlgorithm: z.number().int().optional(),
    publicKey: Base64Url(4096).optional(),
  }),
  authenticatorAttachment: z.enum(['platform', 'cross-platform']).optional(),
  clientExtensionResults: z.record(z.string(), z.unknown()).default({}),
});
export type PasskeyAttestation = z.infer<typeof PasskeyAttestation>;

/**
 * POST /api/auth/login/mfa: the challenge of the password step and a TOTP or recovery code, or an
 * assertion of one of the account's passkeys (signed over that same challenge, see PasskeyOptionsBody).
 */
export const LoginMfaBody = z.union([
  z.strictObject({ challenge: TokenString, code: MfaCode }),
  z.strictObject({ challenge: TokenString, passkey: PasskeyAssertion }),
]);
export type LoginMfaBody = z.infer<typeof LoginMfaBody>;

/**
 * POST /api/auth/reauthenticate: the password, or (with a second factor) a TOTP or recovery code, or a
 * passkey assertion over a challenge from POST /api/auth/passkey/options `{ reauthenticate: true }`.
 */
export const ReauthenticateBody = z.union([
  z.strictObject({ password: z.string().min(1).max(1024) }),
  z.strictObject({ code: MfaCode }),
  z.strictObject({ passkey: PasskeyAssertion }),
]);
export type ReauthenticateBody = z.infer<typeof ReauthenticateBody>;

/**
 * POST /api/auth/passkey/options. No body (or `{}`): a passkey-only sign-in (any discoverable passkey).
 * `{ challenge }`: the second step of a sign-in; the options list that account's passkeys and the
 * WebAuthn challenge is the sign-in challenge itself. `{ reauthenticate: true }` (signed in): a
 * re-authentication of this session with one of the account's passkeys.
 */
export const PasskeyOptionsBody = z
  .union([
    z.strictObject({ challenge: TokenString }),
    z.strictObject({ reauthenticate: z.literal(true) }),
    z.strictObject({}),
  ])
  .nullish();
export type PasskeyOptionsBody = z.infer<typeof PasskeyOptionsBody>;

const CredentialDescriptor = z.object({
  id: z.string(),
  type: z.literal('public-key'),
  transports: z.array(z.string()).optional(),
});

/** 200 of POST /api/auth/passkey/options: PublicKeyCredentialRequestOptionsJSON for `startAuthentication`. */
export const PasskeyAuthenticationOptions = z.object({
  challenge: z.string(),
  timeout: z.number().int().optional(),
  rpId: z.string().optional(),
  allowCredentials: z.array(CredentialDescriptor).optional(),
  userVerification: z.enum(['required', 'preferred', 'discouraged']).optional(),
});
export type PasskeyAuthenticationOptions = z.infer<typeof PasskeyAuthenticationOptions>;

/** 200 of POST /api/me/passkeys/options: PublicKeyCredentialCreationOptionsJSON for `startRegistration`. */
export const PasskeyRegistrationOptions = z.object({
  rp: z.object({ name: z.string(), id: z.string().optional() }),
  user: z.object({ id: z.string(), name: z.string(), displayName: z.string() }),
  challenge: z.string(),
  pubKeyCredParams: z.array(z.object({ alg: z.number().int(), type: z.literal('public-key') })),
  timeout: z.number().int().optional(),
  excludeCredentials: z.array(CredentialDescriptor).optional(),
  authenticatorSelection: z
    .object({
      authenticatorAttachment: z.enum(['platform', 'cross-platform']).optional(),
      residentKey: z.enum(['required', 'preferred', 'discouraged']).optional(),
      requireResidentKey: z.boolean().optional(),
      userVerification: z.enum(['required', 'preferred', 'discouraged']).optional(),
    })
    .optional(),
  attestation: z.enum(['none', 'indirect', 'direct', 'enterprise']).optional(),
  extensions: z.object({ credProps: z.boolean().optional() }).optional(),
});
export type PasskeyRegistrationOptions = z.infer<typeof PasskeyRegistrationOptions>;

/** POST /api/auth/passkey: a passkey-only sign-in with an assertion over a challenge from the options. */
export const PasskeySignInBody = z.strictObject({ assertion: PasskeyAssertion });
export type PasskeySignInBody = z.infer<typeof PasskeySignInBody>;

/** What the user calls a passkey ("Laptop", "Phone"): shown in Settings → Security. */
export const PasskeyName = VisibleName(64);

/** POST /api/me/passkeys: a name and the attestation over a challenge from POST /api/me/passkeys/options. */
export const AddPasskeyBody = z.strictObject({ name: PasskeyName, attestation: PasskeyAttestation });
export type AddPasskeyBody = z.infer<typeof AddPasskeyBody>;

/** PATCH /api/me/passkeys/:id */
export const RenamePasskeyBody = z.strictObject({ name: PasskeyName });
export type RenamePasskeyBody = z.infer<typeof RenamePasskeyBody>;

export const PasskeyParams = z.strictObject({ id: Id });

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

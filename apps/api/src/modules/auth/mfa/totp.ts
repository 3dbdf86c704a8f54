import { generateSecret, generateURI, verify } from 'otplib';
import QRCode from 'qrcode';

/**
 * RFC 6238 TOTP as authenticator apps speak it: SHA-1, 6 digits, 30-second steps (otplib, with its
 * constant-time comparison). A code is accepted for the current step and one step either side (clock
 * drift), and only for a step later than the last one accepted, so each code works once.
 */

export const TOTP_PERIOD_SECONDS = 30;
/** ±1 step: the tolerance otplib takes in seconds. */
const TOLERANCE_SECONDS = TOTP_PERIOD_SECONDS;
/** 160 bits, RFC 4226's recommended shared-secret length, from the CSPRNG. */
const SECRET_BYTES = 20;
const ISSUER = 'Parley';

/** A new base32 secret. */
export function newTotpSecret(): string {
  return generateSecret({ length: SECRET_BYTES });
}

/** The `otpauth://totp/…` URI an app reads from the QR code, labelled with the account's email. */
export function totpUri(secret: string, accountName: string): string {
  return generateURI({ issuer: ISSUER, label: accountName, secret, period: TOTP_PERIOD_SECONDS });
}

/** The QR code of `uri` as an SVG document, made here: no third-party service ever sees the secret. */
export function qrSvg(uri: string): Promise<string> {
  return QRCode.toString(uri, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
}

/** True when `code` looks like a TOTP code (six digits), as opposed to a recovery code. */
export const isTotpCode = (code: string): boolean => /^\d{6}$/.test(code.replace(/\s/g, ''));

/**
 * The time step `code` is valid for at `now` (within ±1 step), provided it is later than `afterStep`;
 * undefined otherwise.
 */
export async function matchTotp(
  secret: string,
  code: string,
  now: Date,
  afterStep: number | null,
): Promise<number | undefined> {
  const token = code.replace(/\s/g, '');
  if (!/^\d{6}$/.test(token)) return undefined;
  const result = await verify({
    secret,
    token,
    epoch: Math.floor(now.getTime() / 1000),
    period: TOTP_PERIOD_SECONDS,
    epochTolerance: TOLERANCE_SECONDS,
    ...(afterStep === null ? {} : { afterTimeStep: afterStep }),
  });
  // The functional API types TOTP and HOTP results together; a TOTP match carries its time step.
  return result.valid && 'timeStep' in result ? result.timeStep : undefined;
}

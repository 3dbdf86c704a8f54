import { createHash, randomBytes } from 'node:crypto';
import type {
  PasskeyAssertion,
  PasskeyAttestation,
  PasskeyAuthenticationOptions,
  PasskeyRegistrationOptions,
} from '@parley/contract';
import {
  type AuthenticationResponseJSON,
  generateAuthenticationOptions,
  generateRegistrationOptions,
  type RegistrationResponseJSON,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
} from '@simplewebauthn/server';
import type { Executor, WebAuthnPurpose } from '../../../db/schema.js';
import type { AuthDeps } from '../auth.context.js';
import type { PasskeyRow } from './passkey.repository.js';
import { insertWebAuthnChallenge } from './webauthn-challenge.repository.js';

/**
 * WebAuthn through `@simplewebauthn/server`: the relying party is PUBLIC_URL (its host name is the RP
 * id, its origin the only origin accepted), user verification is required in every ceremony (a passkey
 * alone signs in, so it must be two factors by itself), and registration asks for a discoverable
 * credential so the passkey-only sign-in needs no user name. Challenges are 256 random bits kept
 * server-side by their SHA-256 (webauthn-challenge.repository.ts).
 */

const RP_NAME = 'Parley';
/** EdDSA, ES256, RS256: the library's defaults without post-quantum ones, pinned for options and checks. */
const ALGORITHMS = [-8, -7, -257];

export interface RelyingParty {
  readonly id: string;
  readonly origin: string;
}

export const relyingParty = (publicUrl: URL): RelyingParty => ({
  id: publicUrl.hostname,
  origin: publicUrl.origin,
});

export const sha256Hex = (value: string) => createHash('sha256').update(value).digest('hex');

/** The challenge a WebAuthn response was made over (from its clientDataJSON); undefined if unreadable. */
export function challengeOf(response: { response: { clientDataJSON: string } }): string | undefined {
  try {
    const data = JSON.parse(Buffer.from(response.response.clientDataJSON, 'base64url').toString('utf8'));
    return typeof data?.challenge === 'string' && /^[A-Za-z0-9_-]{1,512}$/.test(data.challenge)
      ? data.challenge
      : undefined;
  } catch {
    return undefined;
  }
}

/** Stores a new challenge for `purpose`; returns its raw bytes for the options. */
export async function issueWebAuthnChallenge(
  deps: Pick<AuthDeps, 'now' | 'mfaConfig'>,
  db: Executor,
  input: { purpose: WebAuthnPurpose; userId: string | null; sessionId: string | null },
): Promise<Uint8Array<ArrayBuffer>> {
  const bytes = new Uint8Array(randomBytes(32));
  const now = deps.now();
  await insertWebAuthnChallenge(db, {
    id: sha256Hex(Buffer.from(bytes).toString('base64url')),
    ...input,
    now,
    expiresAt: new Date(now.getTime() + deps.mfaConfig.passkeyChallengeTtlMs),
  });
  return bytes;
}

const descriptors = (passkeys: readonly PasskeyRow[]) =>
  passkeys.map((passkey) => ({
    id: passkey.credential_id,
    ...(passkey.transports ? { transports: JSON.parse(passkey.transports) as string[] } : {}),
  }));

export async function registrationOptions(input: {
  rp: RelyingParty;
  challenge: Uint8Array<ArrayBuffer>;
  timeoutMs: number;
  user: { id: string; email: string; display_name: string };
  existing: readonly PasskeyRow[];
}): Promise<PasskeyRegistrationOptions> {
  const options = await generateRegistrationOptions({
    rpName: RP_NAME,
    rpID: input.rp.id,
    // The user handle is the account's random id: no email or name inside the authenticator's handle.
    userID: new Uint8Array(Buffer.from(input.user.id, 'utf8')),
    userName: input.user.email,
    userDisplayName: input.user.display_name,
    challenge: input.challenge,
    timeout: input.timeoutMs,
    attestationType: 'none',
    excludeCredentials: descriptors(input.existing),
    authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
    supportedAlgorithmIDs: ALGORITHMS,
  });
  return options as PasskeyRegistrationOptions;
}

export async function authenticationOptions(input: {
  rp: RelyingParty;
  challenge: Uint8Array<ArrayBuffer>;
  timeoutMs: number;
  allow?: readonly PasskeyRow[];
}): Promise<PasskeyAuthenticationOptions> {
  const options = await generateAuthenticationOptions({
    rpID: input.rp.id,
    challenge: input.challenge,
    timeout: input.timeoutMs,
    userVerification: 'required',
    ...(input.allow ? { allowCredentials: descriptors(input.allow) } : {}),
  });
  return options as PasskeyAuthenticationOptions;
}

export interface NewCredential {
  credentialId: string;
  publicKey: string;
  counter: number;
  transports: string[] | undefined;
  deviceType: 'singleDevice' | 'multiDevice';
  backedUp: boolean;
  aaguid: string;
}

/** Checks an attestation made over `challenge`; the new credential, or undefined when it does not verify. */
export async function verifyNewCredential(input: {
  rp: RelyingParty;
  challenge: string;
  attestation: PasskeyAttestation;
}): Promise<NewCredential | undefined> {
  try {
    const result = await verifyRegistrationResponse({
      response: input.attestation as RegistrationResponseJSON,
      expectedChallenge: input.challenge,
      expectedOrigin: input.rp.origin,
      expectedRPID: input.rp.id,
      requireUserVerification: true,
      supportedAlgorithmIDs: ALGORITHMS,
    });
    if (!result.verified) return undefined;
    const info = result.registrationInfo;
    return {
      credentialId: info.credential.id,
      publicKey: Buffer.from(info.credential.publicKey).toString('base64url'),
      counter: info.credential.counter,
      transports: input.attestation.response.transports,
      deviceType: info.credentialDeviceType,
      backedUp: info.credentialBackedUp,
      aaguid: info.aaguid,
    };
  } catch {
    return undefined;
  }
}

export type AssertionCheck =
  | { kind: 'verified'; counter: number; backedUp: boolean }
  | { kind: 'failed' }
  /**
   * Signed by the credential's key, but with a signature counter not above the stored one: the
   * library's sign of a cloned authenticator. Refused, and the caller records it.
   */
  | { kind: 'counter_regressed'; counter: number };

/** Checks an assertion of `passkey` over `challenge` (the library's checks, user verification required). */
export async function checkAssertion(input: {
  rp: RelyingParty;
  challenge: string;
  assertion: PasskeyAssertion;
  passkey: PasskeyRow;
}): Promise<AssertionCheck> {
  const verify = (counter: number) =>
    verifyAuthenticationResponse({
      response: input.assertion as AuthenticationResponseJSON,
      expectedChallenge: input.challenge,
      expectedOrigin: input.rp.origin,
      expectedRPID: input.rp.id,
      credential: {
        id: input.passkey.credential_id,
        publicKey: new Uint8Array(Buffer.from(input.passkey.public_key, 'base64url')),
        counter,
      },
      requireUserVerification: true,
    });
  const stored = Number(input.passkey.counter);
  try {
    const result = await verify(stored);
    if (!result.verified) return { kind: 'failed' };
    return {
      kind: 'verified',
      counter: result.authenticationInfo.newCounter,
      backedUp: result.authenticationInfo.credentialBackedUp,
    };
  } catch (error) {
    // The library refuses a counter that did not go up before it checks the signature; check the
    // signature alone so that only a response really signed by this credential counts as a clone sign.
    if (stored > 0 && error instanceof Error && /counter value/i.test(error.message)) {
      try {
        const unchecked = await verify(0);
        if (unchecked.verified) {
          return { kind: 'counter_regressed', counter: unchecked.authenticationInfo.newCounter };
        }
      } catch {
        // Not signed by this credential either.
      }
    }
    return { kind: 'failed' };
  }
}

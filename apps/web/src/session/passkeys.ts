import type {
  PasskeyAssertion,
  PasskeyAttestation,
  PasskeyAuthenticationOptions,
  PasskeyRegistrationOptions,
} from '@parley/contract';

/**
 * The browser half of WebAuthn (`@simplewebauthn/browser`), loaded only when someone uses a passkey so
 * it stays out of the initial bundle (the 150 KB budget).
 */

const browserLib = () => import('@simplewebauthn/browser');

/** Whether this browser can use passkeys at all. */
export function passkeysSupported(): boolean {
  return typeof window !== 'undefined' && typeof window.PublicKeyCredential === 'function';
}

/** Asks the browser for an assertion (sign-in, second step, re-authentication). */
export async function getPasskeyAssertion(options: PasskeyAuthenticationOptions): Promise<PasskeyAssertion> {
  const { startAuthentication } = await browserLib();
  return (await startAuthentication({ optionsJSON: options })) as PasskeyAssertion;
}

/** Asks the browser to create a passkey for the registration options. */
export async function createPasskey(options: PasskeyRegistrationOptions): Promise<PasskeyAttestation> {
  const { startRegistration } = await browserLib();
  return (await startRegistration({
    optionsJSON: options as Parameters<typeof startRegistration>[0]['optionsJSON'],
  })) as PasskeyAttestation;
}

/** A cancelled or timed-out browser prompt, in words; undefined for other errors. */
export function describePasskeyError(error: unknown): string | undefined {
  if (error instanceof Error && (error.name === 'NotAllowedError' || error.name === 'AbortError')) {
    return 'The passkey prompt was closed or timed out. Try again when you’re ready.';
  }
  if (error instanceof Error && error.name === 'InvalidStateError') {
    return 'This passkey is already registered with your account.';
  }
  return undefined;
}

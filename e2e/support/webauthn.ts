import type { BrowserContext, CDPSession, Page } from 'playwright-core';

/**
 * Chromium's virtual WebAuthn authenticator (DevTools Protocol) for `page`: a platform authenticator that
 * holds discoverable credentials and verifies the user, as a phone or laptop with a screen lock does.
 * Returns the DevTools session and the authenticator's id, to read the credentials it holds.
 */
export async function addVirtualAuthenticator(
  context: BrowserContext,
  page: Page,
): Promise<{ cdp: CDPSession; authenticatorId: string }> {
  const cdp = await context.newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  return { cdp, authenticatorId };
}

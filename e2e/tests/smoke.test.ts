import { describe, expect, it } from 'vitest';
import { auditScreen } from '../support/audit.js';
import { expectHeading } from '../support/parley.js';
import { browserSuite } from '../support/suite.js';

describe('the built app in Chromium', () => {
  const suite = browserSuite();

  it('serves the SPA under the strict CSP and sends a signed-out visitor to sign in', async () => {
    const { page } = await suite.open();
    const response = await page.goto('/');
    expect(response?.status()).toBe(200);
    const csp = response?.headers()['content-security-policy'] ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self'");
    await expectHeading(page, 'Sign in to Parley');
    expect(new URL(page.url()).pathname).toBe('/sign-in');
    expect(await page.title()).toBe('Sign in to Parley · Parley');
    await auditScreen(page, 'sign-in');
  });

  it('deep-links to a page and shows an honest "not found" for unknown paths', async () => {
    const { page } = await suite.open();
    const signUp = await page.goto('/sign-up');
    expect(signUp?.status()).toBe(200);
    await expectHeading(page, 'Create your Parley account');
    await page.goto('/some/deep/link');
    await expectHeading(page, 'Page not found');
    await auditScreen(page, 'not-found');
  });
});

import { describe, expect, it } from 'vitest';
import { auditScreen } from '../support/audit.js';
import { expectLocator } from '../support/eventually.js';
import { createVerifiedUser, expectHeading, expectVisible, submitSignIn } from '../support/parley.js';
import { browserSuite } from '../support/suite.js';
import { addVirtualAuthenticator } from '../support/webauthn.js';

describe('REQUIRE_MFA', () => {
  const suite = browserSuite({ REQUIRE_MFA: 'true' });

  it('sends an account without a second factor to Settings → Security until it adds a passkey', async () => {
    const user = await createVerifiedUser(suite.stack, 'Hopper');
    const { context, page } = await suite.open();
    await addVirtualAuthenticator(context, page);

    await submitSignIn(page, user);
    // The conversations are refused (403 mfa_enrollment_required): the app opens the Security page.
    await expectHeading(page, 'Security');
    await expectVisible(page.getByText('Your organisation requires two-step sign-in.'));
    await auditScreen(page, 'require-mfa');
    // Other pages lead back here.
    await page.goto('/settings/sessions');
    await expectHeading(page, 'Security');

    await page.getByLabel('Name for a new passkey').fill('Laptop');
    await page.getByRole('button', { name: 'Add a passkey' }).click();
    await expectLocator(page.getByRole('list', { name: 'Your passkeys' })).toContainText('Laptop');
    await expectLocator(page.getByText('Your organisation requires two-step sign-in.')).toBeHidden();

    // With a factor, the rest of the app is open again.
    await page.goto('/');
    await expectHeading(page, 'Conversations');
    const status = await page.evaluate(async () => (await fetch('/api/conversations')).status);
    expect(status).toBe(200);
  });
});

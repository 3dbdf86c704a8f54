import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { auditScreen } from '../support/audit.js';
import { expectLocator } from '../support/eventually.js';
import {
  createVerifiedUser,
  expectHeading,
  expectVisible,
  submitSignIn,
  waitForReauthNeeded,
} from '../support/parley.js';
import { browserSuite, type Suite } from '../support/suite.js';
import { addVirtualAuthenticator } from '../support/webauthn.js';

/**
 * A new verified user signed in, in a browser with a virtual authenticator, on Settings → Security.
 */
async function onSecurityWithAuthenticator(suite: Suite, name: string) {
  const user = await createVerifiedUser(suite.stack, name);
  const { context, page } = await suite.open();
  const authenticator = await addVirtualAuthenticator(context, page);
  await submitSignIn(page, user);
  await expectHeading(page, 'Conversations');
  await page.goto('/settings/security');
  await expectHeading(page, 'Security');
  return { user, page, ...authenticator };
}

/** Names a new passkey and presses Add (the virtual authenticator answers the browser's prompt). */
async function addPasskey(page: Page, name: string): Promise<void> {
  await page.getByLabel('Name for a new passkey').fill(name);
  await page.getByRole('button', { name: 'Add a passkey' }).click();
}

describe('passkeys', () => {
  const suite = browserSuite();

  it('adds a passkey in Settings with a virtual authenticator, signs in with the passkey alone, then uses it after the password', async () => {
    const { user, page, cdp, authenticatorId } = await onSecurityWithAuthenticator(suite, 'Ada');
    await expectVisible(page.getByText('You have no passkeys yet.'));
    await addPasskey(page, 'Test laptop');
    await expectVisible(page.getByRole('status').filter({ hasText: 'Passkey “Test laptop” added' }));
    const list = page.getByRole('list', { name: 'Your passkeys' });
    await expectLocator(list).toContainText('Test laptop');
    await expectLocator(list).toContainText('never used');
    const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
    expect(credentials).toHaveLength(1);
    expect(credentials[0]?.isResidentCredential).toBe(true);
    await auditScreen(page, 'security-passkeys');

    // Rename it, keyboard only.
    await page.getByRole('button', { name: 'Rename passkey Test laptop' }).click();
    await page.getByLabel('New name for “Test laptop”').fill('Work laptop');
    await page.keyboard.press('Enter');
    await expectLocator(list).toContainText('Work laptop');

    // Sign out, then sign in with the passkey alone: no email, no password.
    await page.getByRole('button', { name: /account menu/ }).click();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await expectHeading(page, 'Sign in to Parley');
    await auditScreen(page, 'sign-in-with-passkey');
    await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
    await expectHeading(page, 'Conversations');

    // The passkey was used: the list says so.
    await page.goto('/settings/security');
    await expectLocator(page.getByRole('list', { name: 'Your passkeys' })).toContainText('last used');

    // With a passkey the password alone no longer signs in: the second step offers the passkey.
    await page.getByRole('button', { name: /account menu/ }).click();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await expectHeading(page, 'Sign in to Parley');
    await page.getByLabel('Email').fill(user.email);
    await page.getByLabel('Password', { exact: true }).fill(user.password);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await expectVisible(page.getByRole('heading', { name: 'Two-step sign-in' }));
    await auditScreen(page, 'second-step-passkey');
    await page.getByRole('button', { name: 'Use a passkey' }).click();
    await expectHeading(page, 'Conversations');
  });
});

describe('passkeys and the Confirm-it’s-you dialog', () => {
  const suite = browserSuite({ REAUTH_MAX_AGE: '3s' });

  it('confirms with a passkey instead of the password before removing one', async () => {
    const { user, page } = await onSecurityWithAuthenticator(suite, 'Lovelace');

    // Adding needs a recent sign-in: the dialog asks for the password first.
    await waitForReauthNeeded(page);
    await addPasskey(page, 'Desk');
    const dialog = page.getByRole('dialog', { name: 'Confirm it’s you' });
    await expectVisible(dialog);
    await dialog.getByLabel('Password', { exact: true }).fill(user.password);
    await page.keyboard.press('Enter');
    await expectLocator(dialog).toBeHidden();
    const list = page.getByRole('list', { name: 'Your passkeys' });
    await expectLocator(list).toContainText('Desk');

    // Removing needs one too; this time the passkey confirms it.
    await waitForReauthNeeded(page);
    await page.getByRole('button', { name: 'Remove passkey Desk' }).click();
    await page.getByRole('button', { name: 'Yes, remove “Desk”' }).click();
    await expectVisible(dialog);
    await auditScreen(page, 'reauth-dialog-passkey');
    await dialog.getByRole('button', { name: 'Use a passkey instead' }).click();
    await expectLocator(dialog).toBeHidden();
    await expectVisible(page.getByText('You have no passkeys yet.'));
    // The re-authentication replaced the session's token; the page goes on with the new one.
    expect(await page.evaluate(async () => (await fetch('/api/me')).status)).toBe(200);
  });
});

describe('passkeys at the per-account cap', () => {
  const suite = browserSuite({ MAX_PASSKEYS_PER_USER: '1' });

  it('says why another passkey cannot be added, and adds it once the first is removed', async () => {
    const { page } = await onSecurityWithAuthenticator(suite, 'Cy');
    await addPasskey(page, 'First');
    await expectVisible(page.getByRole('status').filter({ hasText: 'Passkey “First” added' }));

    await addPasskey(page, 'Second');
    await expectVisible(page.getByText('An account can have at most 1 passkey; remove one first'));
    await expectLocator(page.getByRole('listitem').filter({ hasText: 'Second' })).toHaveCount(0);

    await page.getByRole('button', { name: 'Remove passkey First' }).click();
    await page.getByRole('button', { name: /^Yes, remove/ }).click();
    await expectVisible(page.getByText('You have no passkeys yet.'));
    await addPasskey(page, 'Second');
    await expectVisible(page.getByRole('status').filter({ hasText: 'Passkey “Second” added' }));
  });
});

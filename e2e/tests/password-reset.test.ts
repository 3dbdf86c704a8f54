import { describe, expect, it } from 'vitest';
import { auditScreen } from '../support/audit.js';
import { createVerifiedUser, expectHeading, expectVisible, linkIn, signIn } from '../support/parley.js';
import { browserSuite } from '../support/suite.js';

describe('forgotten password', () => {
  const suite = browserSuite();

  it('resets through the emailed link, signs in with the new password, and signs the other browser out', async () => {
    const user = await createVerifiedUser(suite.stack, 'Radia');
    const newPassword = 'spanning tree of many leaves';
    const elsewhere = await suite.open();
    await signIn(elsewhere.page, user);
    await elsewhere.page.goto('/settings');
    await expectHeading(elsewhere.page, 'Profile');

    const { page } = await suite.open();
    await page.goto('/sign-in');
    await page.getByRole('link', { name: 'Forgot your password?' }).click();
    await expectHeading(page, 'Reset your password');
    await auditScreen(page, 'forgot-password');
    await page.getByLabel('Email').fill(user.email);
    await page.getByRole('button', { name: 'Send reset link' }).click();
    await expectHeading(page, 'Check your email');
    expect(await page.getByRole('status').textContent()).toContain(user.email);
    await auditScreen(page, 'forgot-password-sent');

    const mail = await suite.stack.mail.waitFor(user.email, /Reset your Parley password/);
    const link = linkIn(mail.text, 'reset-password');
    await page.goto(link);
    await expectHeading(page, 'Choose a new password');
    expect(page.url()).not.toContain('token=');
    await expectVisible(page.getByText('At least 12 characters'));
    await auditScreen(page, 'reset-password');

    // Refused before the link is spent: too short, then too easy to guess.
    const field = page.getByLabel('New password');
    await field.fill('short');
    await page.getByRole('button', { name: 'Set new password' }).click();
    await expect
      .poll(() => page.getByRole('alert').textContent())
      .toContain('New password must be at least 12 characters');
    await field.fill('password1234');
    await page.getByRole('button', { name: 'Set new password' }).click();
    await expect
      .poll(() => page.getByRole('alert').textContent())
      .toContain('New password is too easy to guess');

    await field.fill(newPassword);
    await page.getByRole('button', { name: 'Set new password' }).click();
    await expectHeading(page, 'Sign in to Parley');
    await expectVisible(page.getByText('Your password was changed'));

    await page.getByLabel('Email').fill(user.email);
    await page.getByLabel('Password', { exact: true }).fill(user.password);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await expect
      .poll(() => page.getByRole('alert').textContent())
      .toContain('Email or password is incorrect');
    await page.getByLabel('Password', { exact: true }).fill(newPassword);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await expectHeading(page, 'Conversations');

    // The browser that was signed in before the reset is signed out on its next action.
    await elsewhere.page.getByRole('button', { name: 'Save display name' }).click();
    await expectHeading(elsewhere.page, 'Sign in to Parley');
    await expectVisible(elsewhere.page.getByText('Your session ended'));

    // The link works once (tried from a signed-out browser, which can then ask for a new one).
    const { page: later } = await suite.open();
    await later.goto(link);
    await later.getByLabel('New password').fill('yet another long passphrase');
    await later.getByRole('button', { name: 'Set new password' }).click();
    await expect.poll(() => later.getByRole('alert').textContent()).toContain("This link can't be used");
    await auditScreen(later, 'reset-password-used');
    await later.getByRole('link', { name: 'Get a new reset link' }).click();
    await expectHeading(later, 'Reset your password');
  });
});

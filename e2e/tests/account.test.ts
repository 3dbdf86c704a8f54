import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { auditScreen } from '../support/audit.js';
import { createVerifiedUser, expectHeading, expectVisible, signIn } from '../support/parley.js';
import { browserSuite } from '../support/suite.js';

/** Opens a settings section from the user menu, as a user would. */
async function openSettings(page: Page, item: 'Account settings' | 'Devices and sessions'): Promise<void> {
  await page.getByRole('button', { name: /account menu/ }).click();
  await page.getByRole('link', { name: item }).click();
}

describe('account settings', () => {
  const suite = browserSuite();

  it('changes the display name, shown in the header and kept after a reload', async () => {
    const user = await createVerifiedUser(suite.stack, 'Hedy');
    const { page } = await suite.open();
    await signIn(page, user);
    await openSettings(page, 'Account settings');
    await expectHeading(page, 'Profile');
    await expectVisible(page.getByRole('main').getByText(user.email));
    await auditScreen(page, 'settings-profile');

    const name = page.getByLabel('Display name');
    await name.fill('   ');
    await page.getByRole('button', { name: 'Save display name' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('Enter display name');

    await name.fill('Hedy Lamarr');
    await page.getByRole('button', { name: 'Save display name' }).click();
    await expect
      .poll(() => page.getByRole('status').textContent())
      .toContain('Others now see you as Hedy Lamarr');
    // The header's user menu follows at once.
    expect(
      await page
        .getByRole('banner')
        .getByRole('button', { name: /account menu/ })
        .textContent(),
    ).toContain('Hedy Lamarr');
    await page.reload();
    await expectHeading(page, 'Profile');
    expect(await page.getByLabel('Display name').inputValue()).toBe('Hedy Lamarr');
  });

  it('lists both signed-in devices, marks this one, and revokes the other', async () => {
    const user = await createVerifiedUser(suite.stack, 'Alan');
    const laptop = await suite.open();
    const phone = await suite.open();
    await signIn(laptop.page, user);
    await signIn(phone.page, user);

    await openSettings(laptop.page, 'Devices and sessions');
    await expectHeading(laptop.page, 'Devices and sessions');
    const cards = laptop.page.getByTestId('session');
    await expect.poll(() => cards.count()).toBe(2);
    // This device is listed first and marked; only the other one has a sign-out button.
    await expectVisible(cards.nth(0).getByText('This device', { exact: true }));
    expect(await cards.nth(1).getByText('This device', { exact: true }).count()).toBe(0);
    expect(await cards.nth(0).getByRole('button').count()).toBe(0);
    for (const index of [0, 1]) {
      const text = (await cards.nth(index).textContent()) ?? '';
      expect(text).toContain('Headless Chrome on Linux');
      expect(text).toContain('127.0.0.1');
      expect(text).toContain('Last active');
    }
    await auditScreen(laptop.page, 'settings-sessions');

    await cards
      .nth(1)
      .getByRole('button', { name: /Sign out this device/ })
      .click();
    await expect.poll(() => cards.count()).toBe(1);
    await expect
      .poll(() => laptop.page.getByRole('status').textContent())
      .toContain('Signed out Headless Chrome');
    await expectVisible(cards.nth(0).getByText('This device', { exact: true }));

    // The revoked device, on the conversations screen, hears it over its WebSocket and goes to sign-in
    // without any action of its own.
    await expectHeading(phone.page, 'Sign in to Parley');
    await expectVisible(phone.page.getByText('Your session ended'));
  });

  it('changes the password: the wrong current one is refused next to its field, then other devices sign out', async () => {
    const user = await createVerifiedUser(suite.stack, 'Barbara');
    const main = await suite.open();
    const other = await suite.open();
    await signIn(main.page, user);
    await signIn(other.page, user);

    await main.page.goto('/settings/password');
    await expectHeading(main.page, 'Change password');
    await main.page.getByLabel('Current password').fill('definitely not it');
    await main.page.getByLabel('New password').fill('a brand new passphrase');
    await main.page.getByRole('button', { name: 'Change password' }).click();
    await expect
      .poll(() => main.page.getByRole('alert').textContent())
      .toContain('Current password is incorrect');
    const field = main.page.getByLabel('Current password');
    expect(await field.getAttribute('aria-invalid')).toBe('true');
    await auditScreen(main.page, 'settings-password-error');

    await field.fill(user.password);
    await main.page.getByRole('button', { name: 'Change password' }).click();
    await expect
      .poll(() => main.page.getByRole('status').textContent())
      .toContain('Your password was changed');
    expect(await main.page.getByLabel('Current password').inputValue()).toBe('');

    await other.page.reload();
    await expectHeading(other.page, 'Sign in to Parley');
    await signIn(other.page, { email: user.email, password: 'a brand new passphrase' });
  });

  it('signs out, and signs out everywhere after a confirmation', async () => {
    const user = await createVerifiedUser(suite.stack, 'Katherine');
    const first = await suite.open();
    const second = await suite.open();
    await signIn(first.page, user);
    await signIn(second.page, user);

    await second.page.getByRole('button', { name: /account menu/ }).click();
    await second.page.getByRole('button', { name: 'Sign out' }).click();
    await expectHeading(second.page, 'Sign in to Parley');
    await expectVisible(second.page.getByText('You signed out.'));
    await signIn(second.page, user);

    await first.page.goto('/settings/sessions');
    await first.page.getByRole('button', { name: 'Sign out everywhere…' }).click();
    const confirm = first.page.getByRole('button', { name: 'Yes, sign out every device' });
    // The confirmation takes focus.
    await expect.poll(() => confirm.evaluate((element) => element === document.activeElement)).toBe(true);
    await confirm.click();
    await expectHeading(first.page, 'Sign in to Parley');
    await expectVisible(first.page.getByText('You signed out on every device.'));

    await second.page.goto('/settings');
    await expectHeading(second.page, 'Sign in to Parley');
  });

  it('deletes the account only with the password, and the email cannot sign in afterwards', async () => {
    const user = await createVerifiedUser(suite.stack, 'Margaret');
    const { page } = await suite.open();
    await signIn(page, user);
    await page.goto('/settings/delete-account');
    await expectHeading(page, 'Delete account');
    await auditScreen(page, 'settings-delete-account');

    await page.getByLabel('Password', { exact: true }).fill('not my password');
    await page.getByRole('button', { name: 'Delete my account' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('Password is incorrect');

    await page.getByLabel('Password', { exact: true }).fill(user.password);
    await page.getByRole('button', { name: 'Delete my account' }).click();
    await expectHeading(page, 'Sign in to Parley');
    await expectVisible(page.getByText('Your account was deleted'));

    await page.getByLabel('Email').fill(user.email);
    await page.getByLabel('Password', { exact: true }).fill(user.password);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await expect
      .poll(() => page.getByRole('alert').textContent())
      .toContain('Email or password is incorrect');
  });
});

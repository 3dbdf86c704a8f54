import { generate } from 'otplib';
import { describe, expect, it } from 'vitest';
import { auditScreen } from '../support/audit.js';
import { eventually, expectLocator } from '../support/eventually.js';
import {
  createVerifiedUser,
  expectHeading,
  expectVisible,
  submitSignIn,
  waitForReauthNeeded,
} from '../support/parley.js';
import { browserSuite } from '../support/suite.js';

/** The authenticator app: the code for the current 30-second step, or `steps` after it. */
const totp = (secret: string, steps = 0) =>
  generate({ secret, epoch: Math.floor(Date.now() / 1000) + steps * 30 });

describe('two-step sign-in', () => {
  // Short, so the test can reach "not recent" without a clock; every wait asks the server (above).
  const suite = browserSuite({ REAUTH_MAX_AGE: '3s' });

  it('sets up an authenticator app, then signs in with a code from it and with a recovery code', async () => {
    const user = await createVerifiedUser(suite.stack, 'Grace');
    const { page } = await suite.open();
    await submitSignIn(page, user);
    await expectHeading(page, 'Conversations');
    await page.goto('/settings/security');
    await expectHeading(page, 'Security');
    await expectVisible(page.getByText('Off.'));
    await auditScreen(page, 'security-off');

    // Not signed in recently: the page asks who it is first. Escape cancels and nothing changes.
    await waitForReauthNeeded(page);
    await page.getByRole('button', { name: 'Set up authenticator app' }).click();
    const dialog = page.getByRole('dialog', { name: 'Confirm it’s you' });
    await expectVisible(dialog);
    await eventually(() => page.evaluate(() => document.activeElement?.id)).toBe('field-reauthPassword');
    await auditScreen(page, 'reauth-dialog');
    await page.keyboard.press('Escape');
    await expectLocator(dialog).toBeHidden();
    await expectLocator(page.getByRole('alert')).toContainText('Confirm it’s you to do this');

    await page.getByRole('button', { name: 'Set up authenticator app' }).click();
    await expectVisible(dialog);
    await dialog.getByLabel('Password', { exact: true }).fill('not my password at all');
    await page.keyboard.press('Enter');
    await expectLocator(dialog.getByRole('alert')).toContainText('Password is incorrect');
    await dialog.getByLabel('Password', { exact: true }).fill(user.password);
    await page.keyboard.press('Enter');
    await expectLocator(dialog).toBeHidden();

    // The QR code (a data: image the CSP allows) and the key, which the test reads like a person would.
    await expectHeading(page, 'Security');
    await expectVisible(page.getByRole('heading', { name: 'Set up your authenticator app' }));
    const qr = page.getByRole('img', { name: 'QR code to scan with your authenticator app' });
    await eventually(() => qr.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0)).toBe(
      true,
    );
    const shown = (await page.getByTestId('totp-secret').textContent()) ?? '';
    const secret = shown.replace(/\s/g, '');
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    await auditScreen(page, 'totp-enrolment');

    await page.getByLabel('Code from the app').fill('000000');
    await page.getByRole('button', { name: 'Turn on two-step sign-in' }).click();
    await expectLocator(page.getByRole('alert').first()).toContainText('Code from the app is incorrect');
    await page.getByLabel('Code from the app').fill(await totp(secret));
    await page.getByRole('button', { name: 'Turn on two-step sign-in' }).click();

    const list = page.getByTestId('recovery-codes').getByRole('listitem');
    await expectLocator(list).toHaveCount(10);
    const codes = (await list.allTextContents()).map((text) => text.trim());
    for (const code of codes) expect(code).toMatch(/^[0-9a-z]{4}(-[0-9a-z]{4}){3}$/);
    await auditScreen(page, 'recovery-codes');
    await page.getByRole('button', { name: 'I’ve saved my recovery codes' }).click();
    await expectVisible(page.getByText('You have 10 recovery codes left'));
    await auditScreen(page, 'security-on');

    // Another browser: the password, then a code from the app (the next step's: the confirmation spent
    // this one, and each code works once).
    const second = await suite.open();
    await submitSignIn(second.page, user);
    await expectVisible(second.page.getByRole('heading', { name: 'Two-step sign-in' }));
    await eventually(() => second.page.evaluate(() => document.activeElement?.id)).toBe('field-code');
    await auditScreen(second.page, 'sign-in-second-step');
    await second.page.getByLabel('Authentication code').fill('000000');
    await second.page.getByRole('button', { name: 'Verify and sign in' }).click();
    await expectLocator(second.page.getByRole('alert')).toContainText('Authentication code is incorrect');
    await second.page.getByLabel('Authentication code').fill(await totp(secret, 1));
    await second.page.getByRole('button', { name: 'Verify and sign in' }).click();
    await expectHeading(second.page, 'Conversations');

    // A third: a recovery code instead, typed in capitals, reached by keyboard.
    const third = await suite.open();
    await submitSignIn(third.page, user);
    await expectVisible(third.page.getByRole('heading', { name: 'Two-step sign-in' }));
    await third.page.getByRole('button', { name: 'Use a recovery code instead' }).focus();
    await third.page.keyboard.press('Enter');
    const field = third.page.getByLabel('Recovery code');
    await expectVisible(field);
    await field.fill((codes[0] ?? '').toUpperCase());
    await third.page.keyboard.press('Enter');
    await expectHeading(third.page, 'Conversations');
    await third.page.goto('/settings/security');
    await expectVisible(third.page.getByText('You have 9 recovery codes left'));

    // The same recovery code does not work twice.
    const fourth = await suite.open();
    await submitSignIn(fourth.page, user);
    await fourth.page.getByRole('button', { name: 'Use a recovery code instead' }).click();
    await fourth.page.getByLabel('Recovery code').fill(codes[0] ?? '');
    await fourth.page.getByRole('button', { name: 'Verify and sign in' }).click();
    await expectLocator(fourth.page.getByRole('alert')).toContainText('Recovery code is incorrect');
  });

  it('makes new recovery codes after confirming with a code from the app, and the old ones stop working', async () => {
    const user = await createVerifiedUser(suite.stack, 'Barbara');
    const { page } = await suite.open();
    await submitSignIn(page, user);
    await expectHeading(page, 'Conversations');
    // Set up through the API (the other test covers the page), right after confirming the password.
    const enrolled = await page.evaluate(async (password) => {
      await fetch('/api/auth/reauthenticate', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ password }),
      });
      const started = await fetch('/api/me/mfa/totp', { method: 'POST' });
      return started.ok ? ((await started.json()) as { secret: string }).secret : `HTTP ${started.status}`;
    }, user.password);
    expect(enrolled).toMatch(/^[A-Z2-7]{32}$/);
    const code = await totp(enrolled);
    const old = await page.evaluate(async (value) => {
      const confirmed = await fetch('/api/me/mfa/totp/confirm', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ code: value }),
      });
      return ((await confirmed.json()) as { recoveryCodes: string[] }).recoveryCodes;
    }, code);
    expect(old).toHaveLength(10);

    await page.goto('/settings/security');
    await expectVisible(page.getByText('You have 10 recovery codes left'));
    await waitForReauthNeeded(page);
    await page.getByRole('button', { name: 'Make new recovery codes' }).click();
    const dialog = page.getByRole('dialog', { name: 'Confirm it’s you' });
    await expectVisible(dialog);
    await dialog.getByRole('button', { name: 'Use a code from your authenticator app instead' }).click();
    await dialog.getByLabel('Code from your authenticator app').fill(await totp(enrolled, 1));
    await dialog.getByRole('button', { name: 'Confirm' }).click();
    const list = page.getByTestId('recovery-codes').getByRole('listitem');
    await expectLocator(list).toHaveCount(10);
    const fresh = (await list.allTextContents()).map((text) => text.trim());
    expect(fresh.filter((c) => old.includes(c))).toEqual([]);

    const other = await suite.open();
    await submitSignIn(other.page, user);
    await other.page.getByRole('button', { name: 'Use a recovery code instead' }).click();
    await other.page.getByLabel('Recovery code').fill(old[0] ?? '');
    await other.page.getByRole('button', { name: 'Verify and sign in' }).click();
    await expectLocator(other.page.getByRole('alert')).toContainText('Recovery code is incorrect');
    await other.page.getByLabel('Recovery code').fill(fresh[0] ?? '');
    await other.page.getByRole('button', { name: 'Verify and sign in' }).click();
    await expectHeading(other.page, 'Conversations');
  });
});

import { describe, expect, it } from 'vitest';
import { auditScreen } from '../support/audit.js';
import { createVerifiedUser, expectHeading, expectVisible, linkIn, newUser } from '../support/parley.js';
import { browserSuite } from '../support/suite.js';

describe('signing up and signing in', () => {
  const suite = browserSuite();

  it('signs up, confirms through the emailed link, signs in and lands on the home', async () => {
    const { page } = await suite.open();
    const user = newUser('Ada');
    await page.goto('/sign-up');
    await expectHeading(page, 'Create your Parley account');
    await expect.poll(() => page.getByText('At least 12 characters').isVisible()).toBe(true);

    // The contract's rules are checked in the browser before anything is sent.
    await page.getByRole('button', { name: 'Create account' }).click();
    const summary = page.getByRole('alert');
    await expect.poll(() => summary.textContent()).toContain('Enter display name');
    expect(await summary.textContent()).toContain('Enter email');
    expect(await summary.textContent()).toContain('Enter password');
    await page.getByLabel('Display name').fill(user.displayName);
    await page.getByLabel('Email').fill('not-an-email');
    await page.getByLabel('Password', { exact: true }).fill('too short');
    await page.getByRole('button', { name: 'Create account' }).click();
    await expect.poll(() => summary.textContent()).toContain('Email must be an email address');
    expect(await summary.textContent()).toContain('Password must be at least 12 characters');
    // Each field names its own error through aria-describedby.
    const passwordInput = page.getByLabel('Password', { exact: true });
    expect(await passwordInput.getAttribute('aria-invalid')).toBe('true');
    const describedBy = (await passwordInput.getAttribute('aria-describedby')) ?? '';
    const descriptions = await Promise.all(
      describedBy.split(' ').map((id) => page.locator(`[id="${id}"]`).textContent()),
    );
    expect(descriptions.join(' ')).toContain('must be at least 12 characters');
    await auditScreen(page, 'sign-up-errors');

    await page.getByLabel('Email').fill(user.email);
    await passwordInput.fill(user.password);
    await page.getByRole('button', { name: 'Create account' }).click();
    await expectHeading(page, 'Check your email');
    expect(await page.getByRole('main').textContent()).toContain(user.email);
    const first = await suite.stack.mail.waitFor(user.email, /Confirm your email/);
    await auditScreen(page, 'check-email');

    // "Send the link again" sends a second email.
    await page.getByRole('button', { name: 'Send the link again' }).click();
    await expect
      .poll(() => page.getByRole('status').first().textContent())
      .toContain('new link is on its way');
    const second = await suite.stack.mail.waitFor(user.email, /Confirm your email/);
    expect(linkIn(second.text, 'verify-email')).not.toBe(linkIn(first.text, 'verify-email'));

    await page.goto(linkIn(second.text, 'verify-email'));
    await expectHeading(page, 'Your email is confirmed');
    // The token leaves the address bar once read.
    expect(page.url()).not.toContain('token=');
    await auditScreen(page, 'verify-email-done');

    await page.getByRole('link', { name: 'Sign in' }).click();
    await expectHeading(page, 'Sign in to Parley');
    await expectVisible(page.getByText('Your email is confirmed'));
    expect(await page.getByLabel('Email').inputValue()).toBe(user.email);
    await page.getByLabel('Password', { exact: true }).fill(user.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expectHeading(page, 'Conversations');
    await expectVisible(page.getByRole('heading', { name: 'No conversations yet' }));
    await expectVisible(page.getByRole('button', { name: new RegExp(user.displayName) }));
    await auditScreen(page, 'home');

    // A used link is refused, in words.
    await page.goto(linkIn(second.text, 'verify-email'));
    await expectHeading(page, "We couldn't confirm your email");
    expect(await page.getByRole('alert').first().textContent()).toContain('already used');
    await auditScreen(page, 'verify-email-failed');
  });

  it('shows email_not_verified on sign-in with a working "send a new link" action', async () => {
    const { page } = await suite.open();
    const user = newUser('Grace');
    const response = await fetch(`${suite.stack.baseUrl}/api/auth/register`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(user),
    });
    expect(response.status).toBe(202);
    await suite.stack.mail.waitFor(user.email, /Confirm your email/);

    await page.goto('/sign-in');
    await page.getByLabel('Email').fill(user.email);
    await page.getByLabel('Password', { exact: true }).fill(user.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    const summary = page.getByRole('alert');
    await expect.poll(() => summary.textContent()).toContain('Confirm your email address first');
    await auditScreen(page, 'sign-in-not-verified');
    await page.getByRole('button', { name: 'Send a new confirmation link' }).click();
    await expect
      .poll(() => page.getByRole('status').first().textContent())
      .toContain(`We sent a new confirmation link to ${user.email}`);
    const mail = await suite.stack.mail.waitFor(user.email, /Confirm your email/);

    await page.goto(linkIn(mail.text, 'verify-email'));
    await expectHeading(page, 'Your email is confirmed');
    await page.getByRole('link', { name: 'Sign in' }).click();
    await page.getByLabel('Password', { exact: true }).fill(user.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expectHeading(page, 'Conversations');
  });

  it('says clearly when the password is wrong, and keeps the email typed', async () => {
    const user = await createVerifiedUser(suite.stack, 'Linus');
    const { page } = await suite.open();
    await page.goto('/sign-in');
    await page.getByLabel('Email').fill(user.email);
    await page.getByLabel('Password', { exact: true }).fill('not the right password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    const summary = page.getByRole('alert');
    await expect.poll(() => summary.textContent()).toContain('Email or password is incorrect');
    // The summary takes focus, so keyboard and screen reader users hear it at once.
    expect(await page.evaluate(() => document.activeElement?.getAttribute('role'))).toBe('alert');
    expect(await page.getByLabel('Email').inputValue()).toBe(user.email);
    expect(new URL(page.url()).pathname).toBe('/sign-in');
    await auditScreen(page, 'sign-in-wrong-password');

    await page.getByLabel('Password', { exact: true }).fill(user.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expectHeading(page, 'Conversations');
  });
});

import { describe, expect, it } from 'vitest';
import { auditScreen } from '../support/audit.js';
import {
  confirmThroughLink,
  createVerifiedUser,
  expectHeading,
  expectVisible,
  linkIn,
  newUser,
} from '../support/parley.js';
import { browserSuite } from '../support/suite.js';

describe('signing up and signing in', () => {
  const suite = browserSuite();

  it('signs up, opens the emailed link, types the password and lands on the home', async () => {
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
    await expectHeading(page, 'Confirm your email');
    // The token leaves the address bar once read.
    expect(page.url()).not.toContain('token=');
    await auditScreen(page, 'verify-email-password');

    // A mistyped password is named on the field, and the link still works afterwards.
    const confirmPassword = page.getByLabel('Password', { exact: true });
    await confirmPassword.fill('not what I chose at sign-up');
    await page.getByRole('button', { name: 'Confirm and sign in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('Password does not match');
    expect(await confirmPassword.getAttribute('aria-invalid')).toBe('true');
    await auditScreen(page, 'verify-email-wrong-password');
    await confirmPassword.fill(user.password);
    await page.getByRole('button', { name: 'Confirm and sign in' }).click();
    await expectHeading(page, 'Conversations');
    await expectVisible(page.getByRole('heading', { name: 'No conversations yet' }));
    await expectVisible(page.getByRole('button', { name: new RegExp(user.displayName) }));
    await auditScreen(page, 'home');

    // A used link is refused, in words, even with the right password.
    await page.goto(linkIn(second.text, 'verify-email'));
    await page.getByLabel('Password', { exact: true }).fill(user.password);
    await page.getByRole('button', { name: 'Confirm and sign in' }).click();
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
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    const summary = page.getByRole('alert');
    await expect.poll(() => summary.textContent()).toContain('Confirm your email address first');
    await auditScreen(page, 'sign-in-not-verified');
    await page.getByRole('button', { name: 'Send a new confirmation link' }).click();
    await expect
      .poll(() => page.getByRole('status').first().textContent())
      .toContain(`We sent a new confirmation link to ${user.email}`);
    const mail = await suite.stack.mail.waitFor(user.email, /Confirm your email/);

    await confirmThroughLink(page, linkIn(mail.text, 'verify-email'), user.password);
  });

  it('someone else signed up with my address first and last: my password on their newest link gets me in, theirs is refused', async () => {
    const { page } = await suite.open();
    const me = newUser('Owner');
    const attacker = { ...newUser('Mallory'), email: me.email };
    const register = async (user: typeof me) => {
      const response = await fetch(`${suite.stack.baseUrl}/api/auth/register`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(user),
      });
      expect(response.status).toBe(202);
      return linkIn((await suite.stack.mail.waitFor(me.email, /Confirm your email/)).text, 'verify-email');
    };
    const attackersFirst = await register(attacker);
    const mine = await register(me);
    const attackersLast = await register(attacker);

    // The newest email in my inbox is the attacker's; I open it and type my own password.
    await confirmThroughLink(page, attackersLast, me.password);
    await expectVisible(page.getByRole('button', { name: new RegExp(me.displayName) }));

    const login = (password: string) =>
      fetch(`${suite.stack.baseUrl}/api/auth/login`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ email: me.email, password }),
      });
    expect((await login(attacker.password)).status).toBe(401);
    expect((await login(me.password)).status).toBe(200);

    // Every other link is dead now, mine included.
    for (const link of [attackersFirst, mine]) {
      await page.goto(link);
      await expectHeading(page, 'Confirm your email');
      await page.getByLabel('Password', { exact: true }).fill(me.password);
      await page.getByRole('button', { name: 'Confirm and sign in' }).click();
      await expectHeading(page, "We couldn't confirm your email");
    }
  });

  it('says clearly when the password is wrong, and keeps the email typed', async () => {
    const user = await createVerifiedUser(suite.stack, 'Linus');
    const { page } = await suite.open();
    await page.goto('/sign-in');
    await page.getByLabel('Email').fill(user.email);
    await page.getByLabel('Password', { exact: true }).fill('not the right password');
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    const summary = page.getByRole('alert');
    await expect.poll(() => summary.textContent()).toContain('Email or password is incorrect');
    // The summary takes focus, so keyboard and screen reader users hear it at once.
    expect(await page.evaluate(() => document.activeElement?.getAttribute('role'))).toBe('alert');
    expect(await page.getByLabel('Email').inputValue()).toBe(user.email);
    expect(new URL(page.url()).pathname).toBe('/sign-in');
    await auditScreen(page, 'sign-in-wrong-password');

    await page.getByLabel('Password', { exact: true }).fill(user.password);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await expectHeading(page, 'Conversations');
  });
});

import { describe, expect, it } from 'vitest';
import { auditScreen } from '../support/audit.js';
import { eventually, expectLocator } from '../support/eventually.js';
import {
  createVerifiedUser,
  expectHeading,
  expectVisible,
  linkIn,
  newUser,
  signIn,
} from '../support/parley.js';
import { browserSuite } from '../support/suite.js';

describe('account security', () => {
  const suite = browserSuite();

  it('shows the strength feedback the server judges by while a new password is typed on sign-up', async () => {
    const { page } = await suite.open();
    const strengthChunks: string[] = [];
    page.on('request', (request) => {
      if (/\/assets\/password-strength-[^/]+\.js$/.test(request.url())) strengthChunks.push(request.url());
    });
    const user = newUser('Grace');
    await page.goto('/sign-up');
    await expectHeading(page, 'Create your Parley account');
    // The zxcvbn dictionaries are not part of the initial JavaScript.
    expect(strengthChunks).toEqual([]);

    await page.getByLabel('Display name').fill('Marguerite Oakhollow');
    await page.getByLabel('Email').fill(user.email);
    const password = page.getByLabel('Password', { exact: true });
    const feedback = page.getByTestId('password-strength');

    await password.fill('aaaaaaaaaaaa');
    await expectLocator(feedback).toContainText('Too easy to guess.');
    await expectLocator(feedback).toContainText('Repeated characters like "aaa" are easy to guess.');
    expect(strengthChunks).toHaveLength(1);
    // The feedback is part of the field's description, for screen readers too.
    const describedBy = (await password.getAttribute('aria-describedby')) ?? '';
    expect(describedBy).not.toBe('');

    await password.fill('Marguerite Oakhollow');
    await expectLocator(feedback).toContainText(
      'Avoid your name, your email address and the name of this site.',
    );

    // The server refuses what the field said was weak, with the same words.
    await page.getByRole('button', { name: 'Create account' }).click();
    await eventually(async () => (await page.getByRole('alert').textContent()) ?? '').toContain(
      'Avoid your name, your email address and the name of this site.',
    );
    await auditScreen(page, 'sign-up-weak-password');

    await password.fill(user.password);
    await eventually(async () => (await feedback.textContent()) ?? '').toMatch(/^(Very strong|Strong)\.$/);
    await page.getByRole('button', { name: 'Create account' }).click();
    await expectHeading(page, 'Check your email');
    expect(strengthChunks).toHaveLength(1);
  });

  it('changes the email through the link received at the new address; other devices are signed out', async () => {
    const user = await createVerifiedUser(suite.stack, 'Emmy');
    const laptop = await suite.open();
    const phone = await suite.open();
    await signIn(laptop.page, user);
    await signIn(phone.page, user);
    const { page } = laptop;

    await page.getByRole('button', { name: /account menu/ }).click();
    await page.getByRole('link', { name: 'Account settings' }).click();
    await page
      .getByRole('navigation', { name: 'Account settings' })
      .getByRole('link', { name: 'Email' })
      .click();
    await expectHeading(page, 'Email address');
    await expectVisible(page.getByRole('main').getByText(user.email));

    const newEmail = `moved-${user.email}`;
    await page.getByLabel('New email').fill(newEmail);
    await page.getByLabel('Current password').fill('not my password');
    await page.getByRole('button', { name: 'Change email' }).click();
    await eventually(async () => (await page.getByRole('alert').textContent()) ?? '').toContain('incorrect');

    await page.getByLabel('Current password').fill(user.password);
    await page.getByRole('button', { name: 'Change email' }).click();
    await expectLocator(page.getByRole('status').first()).toContainText(`Check ${newEmail}`);
    await auditScreen(page, 'settings-email');

    const notice = await suite.stack.mail.waitFor(user.email, /about to change/);
    expect(notice.text).toContain(newEmail);
    const mail = await suite.stack.mail.waitFor(newEmail, /Confirm your new email/);
    await page.goto(linkIn(mail.text, 'confirm-email-change'));
    await expectHeading(page, 'Confirm your new email');
    await auditScreen(page, 'confirm-email-change');
    await page.getByRole('button', { name: 'Confirm new email' }).click();
    await expectHeading(page, 'Your email is changed');
    await expectVisible(page.getByRole('main').getByText(newEmail));

    // This browser stays signed in with the new address; the phone is signed out.
    await page.getByRole('link', { name: 'Back to settings' }).click();
    await expectHeading(page, 'Email address');
    await expectVisible(page.getByRole('main').getByText(newEmail));
    await phone.page.reload();
    await expectHeading(phone.page, 'Sign in');
    await suite.stack.mail.waitFor(user.email, /email was changed/);
  });

  it('shows the security log: sign-ins, failed attempts, with time, device and address', async () => {
    const user = await createVerifiedUser(suite.stack, 'Radia');
    const { page } = await suite.open();
    await page.goto('/sign-in');
    await page.getByLabel('Email').fill(user.email);
    await page.getByLabel('Password', { exact: true }).fill('not the right password');
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await eventually(async () => (await page.getByRole('alert').textContent()) ?? '').toContain('incorrect');
    await signIn(page, user);

    await page.goto('/settings/security-log');
    await expectHeading(page, 'Security log');
    const events = page.getByTestId('security-event');
    await expectVisible(events.first());
    expect(await events.evaluateAll((items) => items.map((item) => item.getAttribute('data-type')))).toEqual([
      'login_succeeded',
      'login_failed',
      'email_verified',
      'register',
    ]);
    expect(await events.nth(0).textContent()).toContain('Signed in');
    expect(await events.nth(0).textContent()).toMatch(/Chrome on Linux · IP 127\.0\.0\.1/);
    expect(await events.nth(1).textContent()).toContain('Failed sign-in attempt');
    await auditScreen(page, 'settings-security-log');
  });
});

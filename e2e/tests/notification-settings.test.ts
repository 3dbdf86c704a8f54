import { describe, expect, it } from 'vitest';
import { auditScreen } from '../support/audit.js';
import { apiToken, createVerifiedUser, expectHeading, expectVisible, signIn } from '../support/parley.js';
import { browserSuite } from '../support/suite.js';

describe('Settings → Notifications and the emailed unsubscribe link', () => {
  // The job runs every 200 ms and emails at once, so the test waits for the email, not for ten minutes.
  const suite = browserSuite({ NOTIFY_EMAIL_DELAY_SECONDS: '0', NOTIFY_EMAIL_INTERVAL: '200ms' });

  it('changes the email setting and the online-status switch, and both persist after a reload', async () => {
    const user = await createVerifiedUser(suite.stack, 'Grace');
    const { page } = await suite.open();
    await signIn(page, user);
    await page.getByRole('button', { name: /account menu/ }).click();
    await page.getByRole('link', { name: 'Account settings' }).click();
    await page
      .getByRole('navigation', { name: 'Account settings' })
      .getByRole('link', { name: 'Notifications' })
      .click();
    await expectHeading(page, 'Notifications');

    const email = page.getByLabel('Email me about messages I miss');
    const online = page.getByRole('checkbox', { name: "Show when I'm online" });
    await expectVisible(email);
    expect(await email.inputValue()).toBe('direct_and_mentions');
    expect(await online.isChecked()).toBe(true);
    await auditScreen(page, 'settings-notifications');

    await email.selectOption({ label: 'Every message' });
    await page.getByRole('button', { name: 'Save email setting' }).click();
    await expect
      .poll(() => page.getByRole('status').allTextContents())
      .toContain('Saved. We email you about every message you miss.');

    await online.click();
    await expect
      .poll(() => page.getByRole('status').allTextContents())
      .toContain('Saved. You appear offline to everyone.');
    expect(await online.isChecked()).toBe(false);

    await page.reload();
    await expectHeading(page, 'Notifications');
    await expectVisible(page.getByLabel('Email me about messages I miss'));
    expect(await page.getByLabel('Email me about messages I miss').inputValue()).toBe('all');
    expect(await page.getByRole('checkbox', { name: "Show when I'm online" }).isChecked()).toBe(false);
  });

  it('emails someone who is away, and its link unsubscribes signed out after one confirming click', async () => {
    const sender = await createVerifiedUser(suite.stack, 'Ada');
    const reader = await createVerifiedUser(suite.stack, 'Bob');
    const token = await apiToken(suite.stack, sender);
    const api = async (method: string, path: string, body?: unknown) => {
      const response = await fetch(`${suite.stack.baseUrl}/api${path}`, {
        method,
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      expect(response.status, await response.clone().text()).toBeLessThan(300);
      return response.json() as Promise<{ id: string }>;
    };
    const other = await api('GET', `/users/lookup?email=${encodeURIComponent(reader.email)}`);
    const direct = await api('POST', '/conversations', { type: 'direct', memberIds: [other.id] });
    await api('POST', `/conversations/${direct.id}/messages`, {
      clientId: crypto.randomUUID(),
      body: 'Are you coming to the review?',
    });

    const mail = await suite.stack.mail.waitFor(reader.email, /on Parley$/);
    expect(mail.text).toContain('Are you coming to the review?');
    const link = /https?:\/\/\S+\/unsubscribe\?token=\S+/.exec(mail.text)?.[0];
    if (!link) throw new Error(`no unsubscribe link in:\n${mail.text}`);

    const { page } = await suite.open();
    // A link someone altered does nothing, and says so.
    const altered = new URL(link);
    altered.searchParams.set('token', `${altered.searchParams.get('token')}x`);
    await page.goto(altered.href);
    await expectHeading(page, 'Stop notification emails?');
    await page.getByRole('button', { name: 'Unsubscribe' }).click();
    await expectHeading(page, "We couldn't unsubscribe you");

    await page.goto(link);
    await expectHeading(page, 'Stop notification emails?');
    await auditScreen(page, 'unsubscribe');
    await page.getByRole('button', { name: 'Unsubscribe' }).click();
    await expectHeading(page, "You're unsubscribed");

    await signIn(page, reader);
    await page.goto('/settings/notifications');
    await expectHeading(page, 'Notifications');
    await expectVisible(page.getByLabel('Email me about messages I miss'));
    expect(await page.getByLabel('Email me about messages I miss').inputValue()).toBe('off');
  });
});

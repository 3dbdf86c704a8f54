import { describe, expect, it } from 'vitest';
import { auditScreen } from '../support/audit.js';
import {
  apiToken,
  createVerifiedUser,
  expectHeading,
  expectVisible,
  messageTexts,
  sendMessage,
  signIn,
  startDirectMessage,
} from '../support/parley.js';
import { browserSuite } from '../support/suite.js';

describe('read-only conversations and names with hidden characters', () => {
  const suite = browserSuite();

  it('shows "This person deleted their account" instead of the composer, live and after reload', async () => {
    const ada = await createVerifiedUser(suite.stack, 'Ada');
    const bob = await createVerifiedUser(suite.stack, 'Bob');
    const { page } = await suite.open();
    await signIn(page, ada);
    await startDirectMessage(page, bob.email, bob.displayName);
    await sendMessage(page, 'Are you still there?');
    await expect.poll(() => messageTexts(page)).toEqual(['Are you still there?']);
    const composer = page.getByRole('textbox', { name: /^Message / });
    await expectVisible(composer);
    const editButton = page.getByRole('button', { name: /^Edit message/ });
    await expect.poll(() => editButton.count()).toBe(1);

    // Bob deletes his account (through the API, as his own browser would).
    const deleted = await fetch(`${suite.stack.baseUrl}/api/me`, {
      method: 'DELETE',
      headers: {
        Authorization: `Bearer ${await apiToken(suite.stack, bob)}`,
        'Content-Type': 'application/json',
      },
      body: JSON.stringify({ password: bob.password }),
    });
    expect(deleted.status).toBe(204);

    // Live: the conversation turns read-only without a reload.
    const notice = page.getByRole('status').filter({ hasText: 'This person deleted their account' });
    await expectVisible(notice);
    await expectHeading(page, 'Deleted user');
    expect(await composer.count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Send' }).count()).toBe(0);
    expect(await messageTexts(page)).toEqual(['Are you still there?']);
    // Your own messages can still be deleted, not edited.
    expect(await editButton.count()).toBe(0);
    expect(await page.getByRole('button', { name: /^Delete message/ }).count()).toBe(1);
    await auditScreen(page, 'read-only-conversation');

    await page.reload();
    await expectHeading(page, 'Deleted user');
    await expectVisible(notice);
    await expectVisible(page.getByText('Direct message · account deleted'));
    expect(await page.getByRole('textbox', { name: /^Message / }).count()).toBe(0);
  });

  it('refuses a group name or display name with a text-direction override, naming the problem', async () => {
    const cyd = await createVerifiedUser(suite.stack, 'Cyd');
    const { page } = await suite.open();
    await signIn(page, cyd);

    await page.getByRole('link', { name: 'New conversation' }).click();
    await expectHeading(page, 'New conversation');
    await page.getByLabel('Group', { exact: true }).check();
    await page.getByLabel('Group name').fill('Team\u202Emaet');
    await page.getByRole('button', { name: 'Create group' }).click();
    await expect
      .poll(() => page.locator('.field-error').first().textContent())
      .toContain(
        'Group name must not contain invisible, control or text-direction characters (found U+202E)',
      );
    await expectHeading(page, 'New conversation');
    // NFD in, NFC out: the group is created with the composed title.
    await page.getByLabel('Group name').fill('Cafe\u0301');
    await page.getByRole('button', { name: 'Create group' }).click();
    await expectHeading(page, 'Caf\u00E9');

    await page.goto('/settings');
    await page.getByLabel('Display name').fill('Cyd\u200B');
    await page.getByRole('button', { name: /Save/ }).click();
    await expect
      .poll(() => page.locator('.field-error').first().textContent())
      .toContain('must not contain invisible, control or text-direction characters (found U+200B)');
  });
});

import { describe, expect, it } from 'vitest';
import { auditScreen } from '../support/audit.js';
import {
  createVerifiedUser,
  expectHeading,
  expectVisible,
  listEntry,
  messageTexts,
  sendMessage,
  signIn,
} from '../support/parley.js';
import { browserSuite } from '../support/suite.js';

describe('groups', () => {
  const suite = browserSuite();

  it('creates a group, adds a member who sees it live, and manages members', async () => {
    const owner = await createVerifiedUser(suite.stack, 'Margaret');
    const first = await createVerifiedUser(suite.stack, 'Katherine');
    const later = await createVerifiedUser(suite.stack, 'Dorothy');
    const ownerTab = await suite.open();
    const laterTab = await suite.open();
    await signIn(ownerTab.page, owner);
    await signIn(laterTab.page, later);
    const page = ownerTab.page;

    await page.getByRole('link', { name: 'New conversation' }).click();
    await expectHeading(page, 'New conversation');
    await page.getByLabel('Group', { exact: true }).check();
    await page.getByRole('button', { name: 'Create group' }).click();
    await expect
      .poll(() => page.locator('.field-error').first().textContent())
      .toContain('Enter a name for the group');
    await page.getByLabel('Group name').fill('Apollo guidance');
    await page.getByLabel('Add people by email').fill('nobody@example.test');
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await expect
      .poll(() => page.locator('.field-error').first().textContent())
      .toContain('No one with that email');
    await page.getByLabel('Add people by email').fill(first.email);
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await expect
      .poll(() => page.getByRole('list', { name: 'People in the new group' }).textContent())
      .toContain(first.displayName);
    await auditScreen(page, 'new-group');
    await page.getByRole('button', { name: 'Create group' }).click();
    await expectHeading(page, 'Apollo guidance');
    await expectVisible(page.getByText('Group · 2 members'));
    await sendMessage(page, 'Welcome to the group');

    await page.getByRole('button', { name: 'Members', exact: true }).click();
    await page.getByLabel('Add a member by email').fill(later.email);
    await page.getByRole('button', { name: 'Add member' }).click();
    await expect.poll(() => page.getByRole('status').filter({ hasText: 'was added' }).count()).toBe(1);
    await expect.poll(() => page.getByText('Group · 3 members').isVisible()).toBe(true);
    const members = page.locator('.member-list');
    expect(await members.textContent()).toContain(later.displayName);
    expect(await members.textContent()).toContain('Owner');
    await auditScreen(page, 'group-members');

    // The added member sees the group appear in their list without reloading, and can read and reply.
    const entry = listEntry(laterTab.page, 'Apollo guidance');
    await entry.waitFor();
    await entry.click();
    await expectHeading(laterTab.page, 'Apollo guidance');
    await expect.poll(() => messageTexts(laterTab.page)).toEqual(['Welcome to the group']);
    await sendMessage(laterTab.page, 'Glad to be here');
    await expect.poll(() => messageTexts(page)).toEqual(['Welcome to the group', 'Glad to be here']);
    // A member who is not owner or admin sees no Remove buttons, only Leave.
    await laterTab.page.getByRole('button', { name: 'Members', exact: true }).click();
    expect(await laterTab.page.locator('.member-list').getByRole('button').count()).toBe(0);
    expect(await laterTab.page.getByLabel('Add a member by email').count()).toBe(0);

    // The owner removes the first member.
    await page.getByRole('button', { name: `Remove ${first.displayName}` }).click();
    await expect.poll(() => page.getByText('Group · 2 members').isVisible()).toBe(true);

    // The later member leaves; the group disappears from their list.
    await laterTab.page.getByRole('button', { name: 'Leave group…' }).click();
    await laterTab.page.getByRole('button', { name: 'Leave group', exact: true }).click();
    await expectHeading(laterTab.page, 'Conversations');
    await expect.poll(() => listEntry(laterTab.page, 'Apollo guidance').count()).toBe(0);
    await expect.poll(() => page.getByText('Group · 1 member').isVisible()).toBe(true);
  });
});

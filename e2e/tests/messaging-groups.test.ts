import { describe, it } from 'vitest';
import { auditScreen } from '../support/audit.js';
import { eventually, expectLocator } from '../support/eventually.js';
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
    await expectLocator(page.locator('.field-error').first()).toContainText('Enter a name for the group');
    await page.getByLabel('Group name').fill('Apollo guidance');
    await page.getByLabel('Add people by email').fill('nobody@example.test');
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await expectLocator(page.locator('.field-error').first()).toContainText('No one with that email');
    await page.getByLabel('Add people by email').fill(first.email);
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await expectLocator(page.getByRole('list', { name: 'People in the new group' })).toContainText(
      first.displayName,
    );
    await auditScreen(page, 'new-group');
    await page.getByRole('button', { name: 'Create group' }).click();
    await expectHeading(page, 'Apollo guidance');
    await expectVisible(page.getByText('Group · 2 members'));
    await sendMessage(page, 'Welcome to the group');

    await page.getByRole('button', { name: 'Members', exact: true }).click();
    await page.getByLabel('Add a member by email').fill(later.email);
    await page.getByRole('button', { name: 'Add member' }).click();
    await expectLocator(page.getByRole('status').filter({ hasText: 'was added' })).toHaveCount(1);
    await expectVisible(page.getByText('Group · 3 members'));
    const members = page.locator('.member-list');
    await expectLocator(members).toContainText(later.displayName);
    await expectLocator(members).toContainText('Owner');
    await auditScreen(page, 'group-members');

    // The added member sees the group appear in their list without reloading, and can read and reply.
    const entry = listEntry(laterTab.page, 'Apollo guidance');
    await entry.waitFor();
    await entry.click();
    await expectHeading(laterTab.page, 'Apollo guidance');
    await eventually(() => messageTexts(laterTab.page)).toEqual(['Welcome to the group']);
    await sendMessage(laterTab.page, 'Glad to be here');
    await eventually(() => messageTexts(page)).toEqual(['Welcome to the group', 'Glad to be here']);
    // A member who is not owner or admin sees no Remove buttons, only Leave: once the member list shows
    // (the owner in it), nothing in it is a button and there is no field to add members.
    await laterTab.page.getByRole('button', { name: 'Members', exact: true }).click();
    const theirMembers = laterTab.page.locator('.member-list');
    await expectLocator(theirMembers).toContainText(owner.displayName);
    await expectVisible(laterTab.page.getByRole('button', { name: 'Leave group…' }));
    await expectLocator(theirMembers.getByRole('button')).toHaveCount(0);
    await expectLocator(laterTab.page.getByLabel('Add a member by email')).toHaveCount(0);

    // The owner removes the first member.
    await page.getByRole('button', { name: `Remove ${first.displayName}` }).click();
    await expectVisible(page.getByText('Group · 2 members'));

    // The later member leaves; the group disappears from their list.
    await laterTab.page.getByRole('button', { name: 'Leave group…' }).click();
    await laterTab.page.getByRole('button', { name: 'Leave group', exact: true }).click();
    await expectHeading(laterTab.page, 'Conversations');
    await expectLocator(listEntry(laterTab.page, 'Apollo guidance')).toHaveCount(0);
    await expectVisible(page.getByText('Group · 1 member'));
  });
});

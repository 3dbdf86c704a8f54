import { randomUUID } from 'node:crypto';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { auditScreen } from '../support/audit.js';
import { eventually, expectLocator } from '../support/eventually.js';
import {
  apiToken,
  createVerifiedUser,
  expectHeading,
  expectVisible,
  listEntry,
  messageTexts,
  signIn,
  type TestUser,
} from '../support/parley.js';
import type { Stack } from '../support/stack.js';
import { browserSuite } from '../support/suite.js';

/** A signed-in API client for one user (seeding conversations and messages quickly). */
async function apiAs(stack: Stack, user: TestUser) {
  const token = await apiToken(stack, user);
  const call = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${stack.baseUrl}/api${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    expect(response.status, `${method} ${path}`).toBeLessThan(300);
    return response.status === 204 ? undefined : ((await response.json()) as Record<string, unknown>);
  };
  const idOf = async (other: TestUser) =>
    (await call('GET', `/users/lookup?email=${encodeURIComponent(other.email)}`))?.id as string;
  return {
    call,
    idOf,
    send: (conversationId: string, body: string) =>
      call('POST', `/conversations/${conversationId}/messages`, { clientId: randomUUID(), body }),
  };
}

/** Test users' display names end in 4 random hex digits ("Grace 05ce"): compared without them. */
const plain = (texts: string[]) => texts.map((text) => text.replace(/ [0-9a-f]{4}\b/g, ''));

/** The timeline lines of the open conversation, top to bottom. */
async function timelineLines(page: Page): Promise<string[]> {
  return plain(
    await page
      .locator('.message-list > li.system-line .system-line-text')
      .evaluateAll((lines) => lines.map((line) => line.textContent ?? '')),
  );
}

/** The member list of the open group settings panel, as "name role". */
async function memberRows(page: Page): Promise<string[]> {
  return plain(
    await page.locator('.member-list li').evaluateAll((rows) => {
      // The name as shown, without the presence status said beside it ("· Online").
      const nameOnly = (element: Element | null) => {
        const copy = element?.cloneNode(true) as Element | undefined;
        for (const status of copy?.querySelectorAll('.presence-status') ?? []) status.remove();
        return copy?.textContent?.trim() ?? '';
      };
      return rows.map(
        (row) =>
          `${nameOnly(row.querySelector('.member-name'))} ${row.querySelector('.member-role')?.textContent ?? ''}`,
      );
    }),
  );
}

async function openEntry(page: Page, name: string): Promise<void> {
  const entry = listEntry(page, name);
  await expectVisible(entry);
  await entry.click();
  await expectHeading(page, name);
}

describe('groups and conversation settings', () => {
  const suite = browserSuite();

  it('the owner renames and makes an admin, the admin renames, everyone sees timeline lines live; the owner is listed first', async () => {
    const graceUser = await createVerifiedUser(suite.stack, 'Grace');
    const alanUser = await createVerifiedUser(suite.stack, 'Alan');
    const barbaraUser = await createVerifiedUser(suite.stack, 'Barbara');
    const graceApi = await apiAs(suite.stack, graceUser);
    await graceApi.call('POST', '/conversations', {
      type: 'group',
      title: 'Compilers',
      memberIds: [await graceApi.idOf(alanUser)],
    });
    const grace = await suite.open();
    const alan = await suite.open();
    await signIn(grace.page, graceUser);
    await signIn(alan.page, alanUser);
    await openEntry(grace.page, 'Compilers');
    await openEntry(alan.page, 'Compilers');

    // Group settings: the owner first, labelled; the owner may rename.
    await grace.page.getByRole('button', { name: 'Members', exact: true }).click();
    await expectHeading(grace.page, 'Compilers');
    await eventually(() => memberRows(grace.page)).toEqual(['Grace (you) Owner', 'Alan Member']);
    await grace.page.getByLabel('Group name').fill('Compilers team');
    await grace.page.getByRole('button', { name: 'Rename', exact: true }).click();
    await expectHeading(grace.page, 'Compilers team');
    await eventually(() => timelineLines(grace.page)).toEqual(['You renamed the group to “Compilers team”']);
    // Alan sees the new name and the line live.
    await expectHeading(alan.page, 'Compilers team');
    await eventually(() => timelineLines(alan.page)).toEqual(['Grace renamed the group to “Compilers team”']);

    // An empty name is refused next to the field; nothing changes.
    await grace.page.getByLabel('Group name').fill('   ');
    await grace.page.getByRole('button', { name: 'Rename', exact: true }).click();
    await expectLocator(grace.page.locator('.rename-group .field-error')).toContainText('Enter group name');

    // Adding someone is a line for everyone; Alan (a plain member) has no rename field and no role buttons.
    await grace.page.getByLabel('Add a member by email').fill(barbaraUser.email);
    await grace.page.getByRole('button', { name: 'Add member' }).click();
    await eventually(() => timelineLines(alan.page)).toEqual([
      'Grace renamed the group to “Compilers team”',
      'Grace added Barbara',
    ]);
    await alan.page.getByRole('button', { name: 'Members', exact: true }).click();
    await eventually(() => memberRows(alan.page)).toEqual([
      'Grace Owner',
      'Alan (you) Member',
      'Barbara Member',
    ]);
    await expectLocator(alan.page.getByLabel('Group name')).toHaveCount(0);
    await expectLocator(alan.page.getByRole('button', { name: /Make admin|Remove admin/ })).toHaveCount(0);

    // The owner makes Alan an admin: his panel gains the rename field (live), never role buttons.
    await grace.page.getByRole('button', { name: `Make admin ${alanUser.displayName}` }).click();
    await expectLocator(
      grace.page.getByRole('status').filter({ hasText: `${alanUser.displayName} is now an admin.` }),
    ).toHaveCount(1);
    await eventually(() => memberRows(alan.page)).toEqual([
      'Grace Owner',
      'Alan (you) Admin',
      'Barbara Member',
    ]);
    await alan.page.getByLabel('Group name').fill('Compilers guild');
    await alan.page.getByRole('button', { name: 'Rename', exact: true }).click();
    await expectHeading(grace.page, 'Compilers guild');
    await expectLocator(alan.page.getByRole('button', { name: /Make admin|Remove admin/ })).toHaveCount(0);

    // The owner removes Barbara and takes Alan's admin role back.
    await grace.page.getByRole('button', { name: `Remove ${barbaraUser.displayName}` }).click();
    // One member change at a time: the panel waits for the removal before taking the next action.
    await expectLocator(
      grace.page.getByRole('status').filter({ hasText: 'was removed from the group.' }),
    ).toHaveCount(1);
    await grace.page.getByRole('button', { name: `Remove admin ${alanUser.displayName}` }).click();
    await eventually(() => memberRows(alan.page)).toEqual(['Grace Owner', 'Alan (you) Member']);
    await eventually(() => timelineLines(grace.page)).toEqual([
      'You renamed the group to “Compilers team”',
      'You added Barbara',
      'Alan renamed the group to “Compilers guild”',
      'You removed Barbara',
    ]);
    // Lines are not messages: nothing to read, react to or reply to.
    await expectLocator(grace.page.locator('.system-line button')).toHaveCount(0);
    expect(await messageTexts(grace.page)).toEqual([]);
    await auditScreen(grace.page, 'group-settings');

    // After a reload the lines come from history, in place.
    await alan.page.reload();
    await expectHeading(alan.page, 'Compilers guild');
    await eventually(() => timelineLines(alan.page)).toEqual([
      'Grace renamed the group to “Compilers team”',
      'Grace added Barbara',
      'You renamed the group to “Compilers guild”',
      'Grace removed Barbara',
    ]);
    // The list previews the newest line.
    await expectLocator(listEntry(alan.page, 'Compilers guild')).toContainText(
      `${graceUser.displayName} removed ${barbaraUser.displayName}`,
    );
  });

  it('mute and archive from the conversation menu at 360 px; muted ones leave the title total; the Archived view; a new message brings it back', async () => {
    const hedyUser = await createVerifiedUser(suite.stack, 'Hedy');
    const idaUser = await createVerifiedUser(suite.stack, 'Ida');
    const joanUser = await createVerifiedUser(suite.stack, 'Joan');
    const idaApi = await apiAs(suite.stack, idaUser);
    const joanApi = await apiAs(suite.stack, joanUser);
    const withIda = (await idaApi.call('POST', '/conversations', {
      type: 'direct',
      memberIds: [await idaApi.idOf(hedyUser)],
    })) as { id: string };
    await idaApi.send(withIda.id, 'First from Ida');
    const withJoan = (await joanApi.call('POST', '/conversations', {
      type: 'direct',
      memberIds: [await joanApi.idOf(hedyUser)],
    })) as { id: string };

    const [IDA, JOAN] = [idaUser.displayName, joanUser.displayName];
    const hedy = await suite.open();
    const page = hedy.page;
    await page.setViewportSize({ width: 360, height: 740 });
    await signIn(page, hedyUser);
    await expectHeading(page, 'Conversations');
    await eventually(() => page.title()).toBe('(1) Conversations · Parley');

    // Mute Ida's conversation from its menu (keyboard: Escape closes it and focus goes back).
    await openEntry(page, IDA);
    const options = page.getByRole('button', { name: 'Conversation options' });
    await options.click();
    await expectVisible(page.getByRole('button', { name: 'Mute', exact: true }));
    await page.keyboard.press('Escape');
    await expectLocator(page.getByRole('button', { name: 'Mute', exact: true })).toBeHidden();
    await eventually(() => page.evaluate(() => document.activeElement?.textContent ?? '')).toContain(
      'Conversation options',
    );
    await options.click();
    await auditScreen(page, 'conversation-menu');
    await page.setViewportSize({ width: 360, height: 740 });
    await page.getByRole('button', { name: 'Mute', exact: true }).click();
    await expectLocator(page.locator('.thread-sub')).toContainText('· Muted');
    await page.locator('.back-link').click();
    await expectHeading(page, 'Conversations');
    await expectLocator(listEntry(page, IDA)).toContainText('Muted');

    // Unread in a muted conversation does not count in the title; in another one it does.
    await idaApi.send(withIda.id, 'Muted news');
    await expectLocator(listEntry(page, IDA)).toContainText('Muted news');
    expect(await page.title()).toBe('Conversations · Parley');
    await joanApi.send(withJoan.id, 'Hello Hedy');
    await eventually(() => page.title()).toBe('(1) Conversations · Parley');

    // Archive it: it leaves the list and shows in the Archived view.
    await openEntry(page, IDA);
    await page.getByRole('button', { name: 'Conversation options' }).click();
    await page.getByRole('button', { name: 'Archive', exact: true }).click();
    await expectLocator(page.locator('.thread-sub')).toContainText('· Muted · Archived');
    await page.locator('.back-link').click();
    await expectHeading(page, 'Conversations');
    await expectVisible(listEntry(page, JOAN));
    await expectLocator(listEntry(page, IDA)).toHaveCount(0);
    await page.getByRole('link', { name: 'Archived', exact: true }).click();
    await expectHeading(page, 'Archived conversations');
    await expectVisible(listEntry(page, IDA));
    await expectLocator(listEntry(page, JOAN)).toHaveCount(0);
    await auditScreen(page, 'archived-view');

    // Archived stays archived after a reload (the server says so)…
    await page.reload();
    await expectHeading(page, 'Archived conversations');
    await expectVisible(listEntry(page, IDA));
    // …until a new message arrives: it leaves the Archived view for the list, live.
    await idaApi.send(withIda.id, 'Back again');
    await expectVisible(page.getByRole('heading', { name: 'No archived conversations' }));
    await page.getByRole('link', { name: 'Inbox' }).click();
    await expectHeading(page, 'Conversations');
    await expectLocator(listEntry(page, IDA)).toContainText('Back again');
  });
});

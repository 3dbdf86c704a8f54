import { describe, expect, it } from 'vitest';
import { auditScreen } from '../support/audit.js';
import { eventually, expectLocator } from '../support/eventually.js';
import {
  apiToken,
  createVerifiedUser,
  expectHeading,
  listEntry,
  signIn,
  startDirectMessage,
} from '../support/parley.js';
import { browserSuite } from '../support/suite.js';

describe('presence', () => {
  // A short grace period: offline shows a second after the last tab closes (a reload still does not flicker).
  const suite = browserSuite({ PRESENCE_GRACE_SECONDS: '1' });

  it('a dot and words show a contact going online and offline, in the list, the header and the member list', async () => {
    const ada = await createVerifiedUser(suite.stack, 'Ada');
    const ben = await createVerifiedUser(suite.stack, 'Ben');
    const adaTab = await suite.open();
    const page = adaTab.page;
    await signIn(page, ada);
    await startDirectMessage(page, ben.email, ben.displayName);
    const entry = listEntry(page, ben.displayName);
    const dot = entry.locator('.presence-dot');
    const header = page.locator('.thread-sub');
    // Ben has never signed in: offline, said in words too (the link's accessible text, the header).
    await expectLocator(dot).toHaveAttribute('data-presence', 'offline');
    await expectLocator(entry).toContainText(', offline');
    await expectLocator(header).toContainText('Direct message · Offline');

    // Ben signs in in another browser: Ada sees him online, live.
    const benTab = await suite.open();
    await signIn(benTab.page, ben);
    await expectLocator(dot).toHaveAttribute('data-presence', 'online');
    await expectLocator(entry).toContainText(', online');
    await expectLocator(header).toContainText('Direct message · Online');
    await auditScreen(page, 'presence-direct');

    // A group with both: the member list says it in words beside each name.
    const token = await apiToken(suite.stack, ada);
    const meResponse = await fetch(
      `${suite.stack.baseUrl}/api/users/lookup?email=${encodeURIComponent(ben.email)}`,
      {
        headers: { authorization: `Bearer ${token}` },
      },
    );
    const benId = ((await meResponse.json()) as { id: string }).id;
    const created = await fetch(`${suite.stack.baseUrl}/api/conversations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'group', title: 'Presence crew', memberIds: [benId] }),
    });
    expect(created.status).toBe(201);
    const group = listEntry(page, 'Presence crew');
    await group.click();
    await expectHeading(page, 'Presence crew');
    await page.getByRole('button', { name: 'Members', exact: true }).click();
    const benRow = page.locator('.member-list li', { hasText: ben.displayName });
    await expectLocator(benRow).toContainText('Online');
    await expectLocator(benRow.locator('.presence-dot')).toHaveAttribute('data-presence', 'online');
    // No dot, no status for oneself.
    const adaRow = page.locator('.member-list li', { hasText: ada.displayName });
    await expectLocator(adaRow.locator('.presence-dot')).toHaveCount(0);
    await auditScreen(page, 'presence-members');

    // (A reload within the grace period sending nothing is proven with a controlled clock in the API tests.)
    // Ben closes his browser: a moment later Ada sees him offline, in the member list and the list's dot.
    await benTab.context.close();
    await expectLocator(benRow).toContainText('Offline');
    await expectLocator(dot).toHaveAttribute('data-presence', 'offline');
    await eventually(() => entry.textContent()).toContain(', offline');
  });
});

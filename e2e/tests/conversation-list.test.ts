import { describe, expect, it } from 'vitest';
import { auditScreen } from '../support/audit.js';
import { apiToken, createVerifiedUser, expectVisible, listEntry, signIn } from '../support/parley.js';
import { browserSuite } from '../support/suite.js';

/** More than one page of the list (the app loads 50 at a time). */
const GROUPS = 60;
const title = (index: number) => `Archive ${String(index).padStart(2, '0')}`;

describe('conversation list', () => {
  // The test creates more groups through the API than one person may create per hour by default.
  const suite = browserSuite({ LIMIT_CONVERSATIONS_CREATED: '1000/3600s' });

  it('shows the newest page first and the older conversations after scrolling down the list', async () => {
    const user = await createVerifiedUser(suite.stack, 'Grace');
    const headers = {
      'Content-Type': 'application/json',
      Authorization: `Bearer ${await apiToken(suite.stack, user)}`,
    };
    const ids = new Map<string, string>();
    // One after the other, so "Archive 60" is the newest and "Archive 01" the oldest.
    for (let index = 1; index <= GROUPS; index++) {
      const response = await fetch(`${suite.stack.baseUrl}/api/conversations`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ type: 'group', title: title(index), memberIds: [] }),
      });
      expect(response.status).toBe(201);
      ids.set(title(index), ((await response.json()) as { id: string }).id);
    }

    const { page } = await suite.open();
    await signIn(page, user);
    const entries = page.locator('.conversation-link');
    await expect.poll(() => entries.count()).toBe(50);
    await expectVisible(listEntry(page, title(GROUPS)));
    // The first page ends at "Archive 11": the ten oldest are not loaded yet.
    expect(await listEntry(page, title(10)).count()).toBe(0);
    await expectVisible(page.getByRole('button', { name: 'Show older conversations' }));
    await auditScreen(page, 'conversation-list-more');

    // A message in a conversation the list has not loaded brings it to the top at once.
    const posted = await fetch(`${suite.stack.baseUrl}/api/conversations/${ids.get(title(2))}/messages`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ clientId: crypto.randomUUID(), body: 'Back from the archive' }),
    });
    expect(posted.status).toBe(201);
    await expect.poll(() => entries.first().textContent()).toContain(title(2));
    expect(await entries.first().textContent()).toContain('Back from the archive');

    // Scrolling to the end of the list loads the rest.
    await expect
      .poll(
        async () => {
          await page.locator('.list-pane').evaluate((element) => {
            element.scrollTop = element.scrollHeight;
          });
          return listEntry(page, title(1)).count();
        },
        { timeout: 20_000 },
      )
      .toBe(1);
    await expect.poll(() => entries.count()).toBe(GROUPS);
    expect(await page.getByRole('button', { name: 'Show older conversations' }).count()).toBe(0);
    const names = await page.locator('.conversation-link .conversation-name').allTextContents();
    expect(names).toEqual([
      title(2),
      ...Array.from({ length: GROUPS }, (_, i) => title(GROUPS - i)).filter((name) => name !== title(2)),
    ]);
  });

  it('says when the list or an older page could not load, and loads it on Try again', async () => {
    const user = await createVerifiedUser(suite.stack, 'Ida');
    const { page } = await suite.open();
    const headers = {
      'Content-Type': 'application/json',
      Authorization: `Bearer ${await apiToken(suite.stack, user)}`,
    };
    const created = await fetch(`${suite.stack.baseUrl}/api/conversations`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ type: 'group', title: 'Only group', memberIds: [] }),
    });
    expect(created.status).toBe(201);

    // List pages are refused (as over a limit) until the test lets them through; the first page then
    // claims an older page exists, and that one is refused once more before it arrives (empty).
    let refuse = true;
    let olderRefused = false;
    const refused = {
      status: 429,
      headers: { 'Retry-After': '3' },
      json: { error: { code: 'rate_limited', message: 'Slow down' } },
    };
    await page.route(
      (url) => url.pathname === '/api/conversations' && url.searchParams.has('limit'),
      async (route) => {
        const cursor = new URL(route.request().url()).searchParams.get('cursor');
        if (refuse) return route.fulfill(refused);
        if (cursor === null) {
          const first = (await (await route.fetch()).json()) as { nextCursor: string | null };
          return route.fulfill({ json: { ...first, nextCursor: 'older-page' } });
        }
        if (!olderRefused) {
          olderRefused = true;
          return route.fulfill(refused);
        }
        return route.fulfill({ json: { conversations: [], nextCursor: null } });
      },
    );

    await signIn(page, user);
    const alert = page.locator('.list-error[role="alert"]');
    await expect.poll(() => alert.textContent()).toContain('Too many attempts');
    refuse = false;
    await alert.getByRole('button', { name: 'Try again' }).click();
    await expectVisible(listEntry(page, 'Only group'));

    // The end of the list came into view at once and asked for the older page, which was refused.
    const more = page.locator('.list-more');
    await expect.poll(() => more.textContent()).toContain('Too many attempts');
    await more.getByRole('button', { name: 'Try again' }).click();
    await expect.poll(() => more.count()).toBe(0);
    expect(await page.locator('.conversation-link').count()).toBe(1);
  });
});

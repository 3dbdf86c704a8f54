import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MariaDbServer, startMariaDb } from '../../scripts/services/mariadb.js';
import { auditScreen } from '../support/audit.js';
import { eventually, expectLocator } from '../support/eventually.js';
import {
  apiToken,
  createVerifiedUser,
  expectHeading,
  expectVisible,
  focused,
  messageTexts,
  seedDirectConversation,
  signIn,
  tabTo,
} from '../support/parley.js';
import { browserSuite } from '../support/suite.js';

describe('message search', () => {
  // The test seeds more messages through the API than one person may send in 10 s by default.
  const suite = browserSuite({ LIMIT_MESSAGES: '1000/10s' });

  it.each([
    [1280, 800],
    [360, 740],
  ] as const)(
    'from Ctrl+K to the marked message at %i px: results grouped by conversation, opened around an old message',
    async (width, height) => {
      const adaUser = await createVerifiedUser(suite.stack, 'Ada');
      const benUser = await createVerifiedUser(suite.stack, 'Ben');
      const token = await apiToken(suite.stack, adaUser);
      const api = async (path: string, body?: unknown) => {
        const response = await fetch(`${suite.stack.baseUrl}/api${path}`, {
          method: body === undefined ? 'GET' : 'POST',
          headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        });
        expect(response.status, await response.clone().text()).toBeLessThan(300);
        return (await response.json()) as { id: string };
      };
      const ben = await api(`/users/lookup?email=${encodeURIComponent(benUser.email)}`);
      const direct = await api('/conversations', { type: 'direct', memberIds: [ben.id] });
      const group = await api('/conversations', {
        type: 'group',
        title: 'Launch planning',
        memberIds: [ben.id],
      });
      const send = (conversationId: string, body: string) =>
        api(`/conversations/${conversationId}/messages`, { clientId: crypto.randomUUID(), body });
      // The hit is message 20 of 120: far older than the newest page the conversation opens with.
      for (let index = 1; index <= 120; index++) {
        await send(
          direct.id,
          index === 20 ? 'The launch codeword is <b>Pineapple</b>, keep it quiet' : `History ${index}`,
        );
      }
      await send(group.id, 'Pineapple pizza for the launch party?');
      await send(group.id, 'Nothing to find here');

      const { page } = await suite.open();
      await page.setViewportSize({ width, height });
      // axe at 1280 px, 360 px and dark (auditScreen), then back to this test's width.
      const audit = async (name: string) => {
        await auditScreen(page, `${name}-${width}`);
        await page.setViewportSize({ width, height });
      };
      await signIn(page, benUser);

      // Ctrl+K from anywhere on the page (focus is on the page heading after signing in) focuses the search
      // box; Enter searches.
      await eventually(() => focused(page)).toBe('h1:Conversations');
      await page.keyboard.press('Control+K');
      await eventually(() => focused(page)).toBe('input:Search messages');
      await page.keyboard.type('pineapple');
      await page.keyboard.press('Enter');

      const results = page.getByRole('region', { name: 'Results for “pineapple”' });
      await expectVisible(results);
      await expectLocator(results.getByRole('status')).toContainText('2 messages found');
      // Newest first, grouped by conversation: the group's hit was sent last.
      await eventually(() => results.locator('.search-group-title').allTextContents()).toEqual([
        'Launch planning',
        adaUser.displayName,
      ]);
      // Hits are marked as text: the message's own markup stays text, never HTML.
      await eventually(() => results.locator('mark').allTextContents()).toEqual(['Pineapple', 'Pineapple']);
      const directHit = results.locator('.search-hit', { hasText: 'codeword' });
      expect(await directHit.locator('.search-snippet').textContent()).toBe(
        'The launch codeword is <b>Pineapple</b>, keep it quiet',
      );
      expect(await results.locator('b').count()).toBe(0);
      await audit('search-results');

      // By keyboard: Tab to the result, Enter opens the conversation around that old message, marked and
      // focused (history around its seq: `?around=`).
      await tabTo(page, /^a:.*codeword/);
      await page.keyboard.press('Enter');
      await expectHeading(page, adaUser.displayName);
      expect(new URL(page.url()).search).toMatch(/^\?message=20$/);
      const marked = page.locator('.message-list > li[aria-current="true"]');
      await expectLocator(marked).toContainText('The launch codeword is <b>Pineapple</b>');
      await eventually(() => marked.getAttribute('class')).toContain('message-highlight');
      await eventually(() => focused(page)).toMatch(/^li:Search result: .*codeword/);
      // In view inside the message list, with its neighbours.
      await eventually(() =>
        page.evaluate(() => {
          const item = document.querySelector('.message-list > li[aria-current="true"]');
          const scroller = document.querySelector('.message-scroller');
          if (!item || !scroller) return false;
          const a = item.getBoundingClientRect();
          const b = scroller.getBoundingClientRect();
          return a.top >= b.top && a.bottom <= b.bottom;
        }),
      ).toBe(true);
      const shown = await messageTexts(page);
      expect(shown).toContain('History 19');
      expect(shown).toContain('History 21');
      // Between that page and the newest one, the rest is a gap loaded on demand.
      expect(shown.at(-1)).toBe('History 120');
      expect(shown).not.toContain('History 60');
      await expectVisible(page.getByRole('button', { name: 'Load newer messages' }));
      // Still marked a while later (a reply's original is marked for a moment; a search result stays).
      await page.waitForTimeout(3500);
      expect(await marked.count()).toBe(1);
      await audit('search-result-opened');

      if (width === 360) {
        // On a phone the list is another screen: Ctrl+K goes there, focus in the box, results kept.
        await page.keyboard.press('Control+K');
        await eventually(() => focused(page)).toBe('input:Search messages');
        await expectVisible(results);
      }
      // The results are still there; choosing the other one opens the group, marked.
      await expectVisible(results);
      await results.locator('.search-hit', { hasText: 'pizza' }).click();
      await expectHeading(page, 'Launch planning');
      await expectLocator(page.locator('.message-list > li[aria-current="true"]')).toContainText(
        'Pineapple pizza',
      );
      if (width === 360) await page.locator('.back-link').click();

      // Escape in the box clears them and brings the conversation list back.
      await page.getByLabel('Search messages').focus();
      await page.keyboard.press('Escape');
      await expectVisible(page.locator('.conversation-link', { hasText: 'Launch planning' }));
      await expectLocator(results).toBeHidden();
    },
  );

  it('explains a query it cannot run, and finds phrases and prefixes', async () => {
    const adaUser = await createVerifiedUser(suite.stack, 'Grace');
    const benUser = await createVerifiedUser(suite.stack, 'Edsger');
    const conversation = await seedDirectConversation(suite.stack, adaUser, benUser);
    for (const body of ['We deploy on Friday', 'The deployment went well', 'Friday we deploy again']) {
      const sent = await conversation.post(body);
      expect(sent.status).toBe(201);
    }
    const { page } = await suite.open();
    await signIn(page, benUser);
    const box = page.getByLabel('Search messages');

    await box.fill('"deploy on');
    await box.press('Enter');
    await expectLocator(page.getByRole('alert')).toContainText(
      'This search can’t be run: has a quote that is not closed',
    );

    await box.fill('"deploy on friday"');
    await box.press('Enter');
    const phrase = page.getByRole('region', { name: 'Results for “"deploy on friday"”' });
    await expectLocator(phrase.getByRole('status')).toContainText('1 message found');
    expect(await phrase.locator('mark').allTextContents()).toEqual(['deploy on Friday']);

    await box.fill('deploy*');
    await box.press('Enter');
    const prefix = page.getByRole('region', { name: 'Results for “deploy*”' });
    await expectLocator(prefix.getByRole('status')).toContainText('3 messages found');
    expect(await prefix.locator('mark').allTextContents()).toEqual(['deploy', 'deployment', 'deploy']);
  });
});

describe('message search on MariaDB, where a request reads a bounded number of messages', () => {
  let mariadb: MariaDbServer | undefined;
  // Filled before the suite starts the server (hooks run in the order they are declared).
  const env: Record<string, string> = {
    LIMIT_MESSAGES: '1000/10s',
    // Ten messages a request by pattern, never the FULLTEXT index: the only hit is 60 messages back.
    SEARCH_SCAN_ROWS: '10',
    SEARCH_INDEX_DOCUMENTS: '0',
  };
  beforeAll(async () => {
    mariadb = await startMariaDb();
    const admin = new URL(mariadb.adminUrl);
    admin.pathname = '/parley';
    env.DATABASE_ADMIN_URL = admin.href;
    env.DATABASE_URL = `mysql://parley_app:app-${randomBytes(12).toString('hex')}@127.0.0.1:${mariadb.port}/parley`;
  });
  const suite = browserSuite(env);
  afterAll(async () => {
    await mariadb?.stop();
  });

  it('keeps searching further back over short pages, then asks before going on', async () => {
    const adaUser = await createVerifiedUser(suite.stack, 'Ada');
    const benUser = await createVerifiedUser(suite.stack, 'Ben');
    const conversation = await seedDirectConversation(suite.stack, adaUser, benUser);
    for (let index = 1; index <= 61; index++) {
      const sent = await conversation.post(
        index === 1 ? 'The buried treasure is under the oak' : `Chatter ${index}`,
      );
      expect(sent.status).toBe(201);
    }
    const { page } = await suite.open();
    await signIn(page, benUser);
    const box = page.getByLabel('Search messages');
    await box.fill('treasure');
    await box.press('Enter');
    const results = page.getByRole('region', { name: 'Results for “treasure”' });
    // Five requests of ten messages each are made at once; none reaches the hit.
    await expectLocator(results.getByRole('status').first()).toContainText(
      'No messages found for “treasure” among your recent messages.',
    );
    const older = results.getByRole('button', { name: 'Search older messages' });
    await expectVisible(older);
    await older.click();
    await expectLocator(results.getByRole('status').first()).toContainText('1 message found.');
    expect(await results.locator('mark').allTextContents()).toEqual(['treasure']);
    await expectLocator(older).toBeHidden();
    await results.locator('.search-hit', { hasText: 'buried' }).click();
    await expectLocator(page.locator('.message-list > li[aria-current="true"]')).toContainText(
      'The buried treasure is under the oak',
    );
  });
});

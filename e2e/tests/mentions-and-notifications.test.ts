import type { BrowserContext, Page } from 'playwright-core';
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
} from '../support/parley.js';
import type { Stack } from '../support/stack.js';
import { browserSuite } from '../support/suite.js';

/** Calls the API as `token`. */
async function apiCall(stack: Stack, token: string, method: string, path: string, body?: unknown) {
  const response = await fetch(`${stack.baseUrl}/api${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  expect(response.status, `${method} ${path}`).toBeLessThan(300);
  return (await response.json()) as Record<string, unknown>;
}

async function account(stack: Stack, name: string) {
  const user = await createVerifiedUser(stack, name);
  const token = await apiToken(stack, user);
  const me = await apiCall(stack, token, 'GET', '/me');
  return { ...user, token, id: String(me.id) };
}

const say = (stack: Stack, token: string, conversationId: string, body: string, mentionIds?: string[]) =>
  apiCall(stack, token, 'POST', `/conversations/${conversationId}/messages`, {
    clientId: crypto.randomUUID(),
    body,
    ...(mentionIds ? { mentionIds } : {}),
  });

/**
 * Before any page script: `window.Notification` is replaced by a recorder (what would be shown, and
 * whether the app asked for permission), and the page's visibility follows `window.__hidden`, so the test
 * can put the tab in the background without another window taking the focus.
 */
async function recordNotifications(context: BrowserContext): Promise<void> {
  await context.addInitScript(() => {
    const real = window.Notification;
    const w = window as unknown as {
      __hidden: boolean;
      __notes: { title: string; body: string }[];
      __asks: number;
      __last?: { onclick: (() => void) | null };
    };
    w.__hidden = false;
    w.__notes = [];
    w.__asks = 0;
    class Recorder {
      onclick: (() => void) | null = null;
      constructor(title: string, options?: NotificationOptions) {
        w.__notes.push({ title, body: options?.body ?? '' });
        w.__last = this;
      }
      close() {}
      static get permission() {
        return real.permission;
      }
      static requestPermission() {
        w.__asks += 1;
        return real.requestPermission();
      }
    }
    Object.defineProperty(window, 'Notification', { value: Recorder, configurable: true, writable: true });
    Object.defineProperty(Document.prototype, 'visibilityState', {
      configurable: true,
      get: () => (w.__hidden ? 'hidden' : 'visible'),
    });
  });
}

const notes = (page: Page) =>
  page.evaluate(() => (window as unknown as { __notes: { title: string; body: string }[] }).__notes);
const setHidden = (page: Page, hidden: boolean) =>
  page.evaluate((value) => {
    (window as unknown as { __hidden: boolean }).__hidden = value;
    document.dispatchEvent(new Event('visibilitychange'));
  }, hidden);

async function openConversation(page: Page, name: string): Promise<void> {
  const entry = listEntry(page, name);
  await expectVisible(entry);
  await entry.click();
  await expectHeading(page, name);
}

describe('mentions and notifications', () => {
  const suite = browserSuite({ LIMIT_MESSAGES: '1000/10s' });

  it('suggests members after @, by keyboard and mouse; the mentioned person sees an @ badge and a highlighted name', async () => {
    const ada = await account(suite.stack, 'Ada');
    const ben = await account(suite.stack, 'Ben');
    const cyd = await account(suite.stack, 'Cyd');
    await apiCall(suite.stack, ada.token, 'POST', '/conversations', {
      type: 'group',
      title: 'Launch',
      memberIds: [ben.id, cyd.id],
    });
    const adaTab = await suite.open();
    const benTab = await suite.open();
    await signIn(adaTab.page, ada);
    await signIn(benTab.page, ben);
    const page = adaTab.page;
    await openConversation(page, 'Launch');

    const composer = page.getByRole('textbox', { name: /^Message / });
    const suggestions = page.getByRole('listbox', { name: 'People to mention' });
    await composer.pressSequentially('Hi @');
    await expectVisible(suggestions);
    // Everyone but the writer, by name; the first is active and the field points at it.
    expect(await suggestions.getByRole('option').allTextContents()).toEqual(
      [ben.displayName, cyd.displayName].sort((a, b) => a.localeCompare(b)),
    );
    expect(await composer.getAttribute('aria-autocomplete')).toBe('list');
    const active = await composer.getAttribute('aria-activedescendant');
    expect(await page.locator(`[id="${active}"]`).getAttribute('aria-selected')).toBe('true');
    await auditScreen(page, 'composer-mention-suggestions');

    // Typing narrows; Enter inserts the name instead of sending.
    await composer.pressSequentially(ben.displayName.slice(0, 3));
    expect(await suggestions.getByRole('option').allTextContents()).toEqual([ben.displayName]);
    await composer.press('Enter');
    await expectLocator(suggestions).toHaveCount(0);
    expect(await composer.inputValue()).toBe(`Hi @${ben.displayName} `);

    // Arrows move, Tab inserts; Escape closes and the same @ is not offered again.
    await composer.pressSequentially('and @');
    await composer.press('ArrowDown');
    const second = await composer.getAttribute('aria-activedescendant');
    expect(await page.locator(`[id="${second}"]`).textContent()).toBe(cyd.displayName);
    await composer.press('ArrowUp');
    await composer.press('ArrowDown');
    await composer.press('Tab');
    expect(await composer.inputValue()).toBe(`Hi @${ben.displayName} and @${cyd.displayName} `);
    await composer.pressSequentially('@');
    await expectVisible(suggestions);
    await composer.press('Escape');
    await expectLocator(suggestions).toHaveCount(0);
    await composer.pressSequentially('x');
    await expectLocator(suggestions).toHaveCount(0);
    await composer.press('Backspace');
    await composer.press('Backspace');
    // The mouse picks too, keeping the caret in the field.
    await composer.pressSequentially('@cy');
    await suggestions.getByRole('option', { name: cyd.displayName }).click();
    const text = `Hi @${ben.displayName} and @${cyd.displayName} @${cyd.displayName} `;
    expect(await composer.inputValue()).toBe(text);
    await composer.press('Enter');
    // Shown as Markdown text: the trailing space typed after the last mention is not shown.
    await eventually(() => messageTexts(page)).toEqual([text.trimEnd()]);

    // The sender sees the names highlighted, none as "you".
    const sent = page.locator('.message', { hasText: 'Hi @' });
    expect(await sent.locator('.mention').allTextContents()).toEqual([
      `@${ben.displayName}`,
      `@${cyd.displayName}`,
      `@${cyd.displayName}`,
    ]);
    await expectLocator(sent.locator('.mention-me')).toHaveCount(0);

    // Ben's list shows the mention apart from the unread count.
    const badge = listEntry(benTab.page, 'Launch').locator('.mention-badge');
    await expectVisible(badge);
    expect(await badge.textContent()).toBe('@ mention of you');
    await auditScreen(benTab.page, 'conversation-list-mention');
    // Opening it shows his own name emphasised; reading clears the badge.
    await openConversation(benTab.page, 'Launch');
    const mine = benTab.page.locator('.message', { hasText: 'Hi @' }).locator('.mention-me');
    await expectVisible(mine);
    expect(await mine.textContent()).toBe(`@${ben.displayName} (mentions you)`);
    await expectLocator(badge).toHaveCount(0);
    await auditScreen(benTab.page, 'conversation-mention-highlight');
  });

  it('a hidden tab shows a desktop notification for a direct message or a mention after opting in; the title and favicon count unread', async () => {
    const ada = await account(suite.stack, 'Ada');
    const ben = await account(suite.stack, 'Ben');
    const direct = await apiCall(suite.stack, ada.token, 'POST', '/conversations', {
      type: 'direct',
      memberIds: [ben.id],
    });
    const group = await apiCall(suite.stack, ada.token, 'POST', '/conversations', {
      type: 'group',
      title: 'Team',
      memberIds: [ben.id],
    });
    const { context, page } = await suite.open();
    await context.grantPermissions(['notifications'], { origin: suite.stack.baseUrl });
    await recordNotifications(context);
    await signIn(page, ben);
    // Never asked on load.
    expect(await page.evaluate(() => (window as unknown as { __asks: number }).__asks)).toBe(0);

    // Without opting in, a hidden tab shows nothing.
    await setHidden(page, true);
    await say(suite.stack, ada.token, String(direct.id), 'before opting in');
    await eventually(() => page.title()).toBe('(1) Conversations · Parley');
    expect(await notes(page)).toEqual([]);
    await setHidden(page, false);

    // Settings → Notifications: the opt-in asks the browser once, on the click.
    await page.goto('/settings/notifications');
    await expectHeading(page, 'Notifications');
    const section = page.getByRole('region', { name: 'Desktop notifications' });
    await expectVisible(section);
    await auditScreen(page, 'settings-notifications');
    await section.getByRole('button', { name: 'Turn on desktop notifications' }).click();
    await expectVisible(section.getByRole('button', { name: 'Turn off desktop notifications' }));
    expect(await page.evaluate(() => (window as unknown as { __asks: number }).__asks)).toBe(1);
    expect(await page.evaluate(() => localStorage.getItem('parley.desktopNotifications'))).toBe('on');
    await auditScreen(page, 'settings-notifications-on');

    await page.goto('/');
    await expectHeading(page, 'Conversations');
    await eventually(() => page.title()).toBe('(1) Conversations · Parley');
    await setHidden(page, true);
    await say(suite.stack, ada.token, String(direct.id), 'Are you there?\nSecond line');
    await eventually(() => notes(page)).toEqual([{ title: ada.displayName, body: 'Are you there?' }]);
    // A group message that does not mention Ben: counted, not notified.
    await say(suite.stack, ada.token, String(group.id), 'for the team');
    // A mention of Ben in the group: notified.
    await say(suite.stack, ada.token, String(group.id), `@${ben.displayName} please review`, [ben.id]);
    await eventually(() => notes(page)).toEqual([
      { title: ada.displayName, body: 'Are you there?' },
      { title: `${ada.displayName} mentioned you in Team`, body: `@${ben.displayName} please review` },
    ]);
    await eventually(() => page.title()).toBe('(4) Conversations · Parley');
    const icon = () => page.locator('link[rel="icon"]').getAttribute('href');
    await eventually(async () => decodeURIComponent((await icon()) ?? '')).toContain('>4</text>');

    // Visible again: new messages are counted, not notified.
    await setHidden(page, false);
    await say(suite.stack, ada.token, String(direct.id), 'one more');
    await eventually(() => page.title()).toBe('(5) Conversations · Parley');
    expect(await notes(page)).toHaveLength(2);

    // Clicking the notification opens its conversation; reading it lowers the count.
    await page.evaluate(() => (window as unknown as { __last: { onclick(): void } }).__last.onclick());
    await expectHeading(page, 'Team');
    expect(new URL(page.url()).pathname).toBe(`/conversations/${String(group.id)}`);
    await eventually(() => page.title()).toBe(`(3) Team · Parley`);
    await page.locator(`a[href="/conversations/${String(direct.id)}"]`).click();
    await expectHeading(page, ada.displayName);
    await eventually(() => page.title()).toBe(`${ada.displayName} · Parley`);
    await eventually(icon).toBe('/favicon.svg');
  });

  it('a deleted mention no longer counts: the badge goes without a reload', async () => {
    const ada = await account(suite.stack, 'Ada');
    const ben = await account(suite.stack, 'Ben');
    const group = await apiCall(suite.stack, ada.token, 'POST', '/conversations', {
      type: 'group',
      title: 'Retro',
      memberIds: [ben.id],
    });
    const { page } = await suite.open();
    await signIn(page, ben);
    await expectHeading(page, 'Conversations');
    const mention = await say(suite.stack, ada.token, String(group.id), `@${ben.displayName} look`, [ben.id]);
    await say(suite.stack, ada.token, String(group.id), 'and another thing');
    const badge = listEntry(page, 'Retro').locator('.mention-badge');
    await expectVisible(badge);

    const deleted = await fetch(`${suite.stack.baseUrl}/api/messages/${String(mention.id)}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${ada.token}` },
    });
    expect(deleted.status).toBe(204);
    await expectLocator(badge).toHaveCount(0);
    // The other message is still unread.
    await expectVisible(listEntry(page, 'Retro').locator('.unread-badge'));
  });

  it('keeps the people picked with @ in a draft across a reload: the message sent later still mentions them', async () => {
    const ada = await account(suite.stack, 'Ada');
    const ben = await account(suite.stack, 'Ben');
    await apiCall(suite.stack, ada.token, 'POST', '/conversations', {
      type: 'group',
      title: 'Plans',
      memberIds: [ben.id],
    });
    const { page } = await suite.open();
    await signIn(page, ada);
    await openConversation(page, 'Plans');
    const composer = page.getByRole('textbox', { name: /^Message / });
    await composer.pressSequentially(`Later @${ben.displayName.slice(0, 3)}`);
    await expectVisible(page.getByRole('listbox', { name: 'People to mention' }));
    await composer.press('Enter');
    expect(await composer.inputValue()).toBe(`Later @${ben.displayName} `);

    await page.reload();
    await expectVisible(composer);
    expect(await composer.inputValue()).toBe(`Later @${ben.displayName} `);
    await composer.press('Enter');
    const sent = page.locator('.message', { hasText: 'Later @' });
    await expectVisible(sent);
    expect(await sent.locator('.mention').allTextContents()).toEqual([`@${ben.displayName}`]);
  });
});

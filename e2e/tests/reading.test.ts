import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { auditScreen } from '../support/audit.js';
import { eventually } from '../support/eventually.js';
import {
  apiToken,
  createVerifiedUser,
  expectHeading,
  expectVisible,
  listEntry,
  messageTexts,
  signIn,
  startDirectMessage,
  type TestUser,
} from '../support/parley.js';
import { makePng } from '../support/png.js';
import type { Stack } from '../support/stack.js';
import { browserSuite } from '../support/suite.js';

/** Calls the API as `token` (seeding history quickly). */
async function apiCall(stack: Stack, token: string, method: string, path: string, body?: unknown) {
  const response = await fetch(`${stack.baseUrl}/api${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  expect(response.status, `${method} ${path}`).toBeLessThan(300);
  return response.status === 204 ? undefined : ((await response.json()) as Record<string, unknown>);
}

/** A direct conversation from `from` to `to`, made through the API; returns a function that posts to it. */
async function seededDirect(stack: Stack, from: TestUser, to: TestUser) {
  const fromToken = await apiToken(stack, from);
  const toToken = await apiToken(stack, to);
  const toId = ((await apiCall(stack, toToken, 'GET', '/me')) as { id: string }).id;
  const direct = (await apiCall(stack, fromToken, 'POST', '/conversations', {
    type: 'direct',
    memberIds: [toId],
  })) as { id: string };
  return {
    id: direct.id,
    post: async (body: string) =>
      (await apiCall(stack, fromToken, 'POST', `/conversations/${direct.id}/messages`, {
        clientId: crypto.randomUUID(),
        body,
      })) as { id: string; seq: number },
    /** Moves the receiver's read marker (as if read in another tab). */
    read: (seq: number) => apiCall(stack, toToken, 'POST', `/conversations/${direct.id}/read`, { seq }),
  };
}

/** Distance in px from the scroller's bottom edge to the end of its content. */
function distanceFromBottom(page: Page): Promise<number> {
  return page
    .locator('.message-scroller')
    .evaluate((element) => element.scrollHeight - element.scrollTop - element.clientHeight);
}

function composer(page: Page) {
  return page.getByRole('textbox', { name: /^Message / });
}

async function openConversation(page: Page, other: TestUser): Promise<void> {
  const entry = listEntry(page, other.displayName);
  await expectVisible(entry);
  await entry.click();
  await expectHeading(page, other.displayName);
}

/** Two signed-in people with a direct conversation open on both sides. */
async function pair(suite: ReturnType<typeof browserSuite>, names: [string, string]) {
  const adaUser = await createVerifiedUser(suite.stack, names[0]);
  const benUser = await createVerifiedUser(suite.stack, names[1]);
  const ada = await suite.open();
  const ben = await suite.open();
  await signIn(ada.page, adaUser);
  await signIn(ben.page, benUser);
  await startDirectMessage(ada.page, benUser.email, benUser.displayName);
  return { ada: { ...ada, user: adaUser }, ben: { ...ben, user: benUser } };
}

describe('reading a conversation', () => {
  // Seeding a long history goes through the API faster than the default send limit allows, and this file
  // signs up more people (and signs them in) from one address than the default limits allow.
  const suite = browserSuite({
    LIMIT_MESSAGES: '1000/10s',
    LIMIT_REGISTER_IP: '100/3600s',
    LIMIT_TOKEN_IP: '100/3600s',
    LIMIT_CONVERSATIONS_CREATED: '1000/3600s',
  });

  it('formats Markdown safely: bold, italic, strikethrough, code, quotes, lists, links; HTML stays text', async () => {
    const { ada, ben } = await pair(suite, ['Fay', 'Gus']);
    const text = [
      '**Plan** for _today_, ~~not~~ `npm test`:',
      '',
      '- first',
      '- second',
      '',
      '> quoted',
      '',
      '```',
      'const a = 1 < 2;',
      '```',
      'Docs at www.example.com and [the site](https://example.org/a), not [this](javascript:alert(1)).',
      '<img src=x onerror=alert(1)> <b>bold?</b>',
    ].join('\n');
    await composer(ada.page).fill(text);
    await composer(ada.page).press('Enter');
    await openConversation(ben.page, ada.user);
    const body = ben.page.locator('.message .message-body').last();
    await expectVisible(body);

    expect(await body.locator('strong').textContent()).toBe('Plan');
    expect(await body.locator('em').textContent()).toBe('today');
    expect(await body.locator('del').textContent()).toBe('not');
    expect(await body.locator('p > code').textContent()).toBe('npm test');
    expect(await body.locator('ul > li').allTextContents()).toEqual(['first', 'second']);
    expect(await body.locator('blockquote').textContent()).toBe('quoted');
    expect(await body.locator('pre code').textContent()).toBe('const a = 1 < 2;');
    expect(await body.locator('pre').evaluate((element) => getComputedStyle(element).fontFamily)).toMatch(
      /mono/i,
    );
    // Links: only http(s)/www; they open in a new tab without the opener or referrer.
    const links = await body
      .locator('a')
      .evaluateAll((anchors) =>
        anchors.map((a) => [
          a.textContent,
          a.getAttribute('href'),
          a.getAttribute('rel'),
          a.getAttribute('target'),
        ]),
      );
    expect(links).toEqual([
      ['www.example.com', 'http://www.example.com/', 'noopener noreferrer nofollow', '_blank'],
      ['the site', 'https://example.org/a', 'noopener noreferrer nofollow', '_blank'],
    ]);
    expect(await body.textContent()).toContain('[this](javascript:alert(1))');
    // Raw HTML is shown as typed and builds no element.
    expect(await body.textContent()).toContain('<img src=x onerror=alert(1)> <b>bold?</b>');
    expect(await body.locator('img, b, script, [style]').count()).toBe(0);
    await auditScreen(ben.page, 'conversation-formatted');

    // Ctrl+B and Ctrl+I wrap the selection in the composer.
    await composer(ada.page).fill('make this loud');
    await composer(ada.page).evaluate((element: HTMLTextAreaElement) => element.setSelectionRange(10, 14));
    await ada.page.keyboard.press('Control+b');
    await eventually(() => composer(ada.page).inputValue()).toBe('make this **loud**');
    await ada.page.keyboard.press('Control+i');
    await eventually(() => composer(ada.page).inputValue()).toBe('make this **_loud_**');
    await ada.page.keyboard.press('Enter');
    await eventually(() => messageTexts(ben.page)).toContain('make this loud');
    expect(await ben.page.locator('.message-body strong em').last().textContent()).toBe('loud');
  });

  it('opens at the first unread under "New messages"; a pill jumps to the latest and counts new arrivals', async () => {
    const adaUser = await createVerifiedUser(suite.stack, 'Ida');
    const benUser = await createVerifiedUser(suite.stack, 'Jon');
    const direct = await seededDirect(suite.stack, adaUser, benUser);
    for (let index = 1; index <= 30; index += 1) await direct.post(`Read before ${index}`);
    await direct.read(30);
    // 70 unread: more than the newest page (50), so older pages load until the first unread is held.
    for (let index = 1; index <= 70; index += 1) await direct.post(`Unread ${index}`);

    const ben = await suite.open();
    await signIn(ben.page, benUser);
    await openConversation(ben.page, adaUser);
    const divider = ben.page.locator('.unread-divider');
    await expectVisible(divider);
    expect(await divider.textContent()).toBe('New messages');
    // The first unread message follows the divider, which sits at the top of the history.
    expect(
      await divider.evaluate(
        (element) => element.nextElementSibling?.querySelector('.message-body')?.textContent,
      ),
    ).toBe('Unread 1');
    const offset = await divider.evaluate(
      (element) =>
        element.getBoundingClientRect().top -
        (element.closest('.message-scroller')?.getBoundingClientRect().top ?? 0),
    );
    expect(offset).toBeGreaterThanOrEqual(0);
    expect(offset).toBeLessThan(40);
    // Not read yet: the badge stays until the newest message has been on screen.
    const entry = listEntry(ben.page, adaUser.displayName);
    expect(await entry.locator('.unread-badge').count()).toBe(1);
    const pill = ben.page.locator('.jump-latest');
    await eventually(() => pill.textContent()).toBe('70 new messages ↓');

    // One sender within five minutes: one header for the group; the divider starts a new group.
    const shown = (text: string) =>
      ben.page.locator('.message', { has: ben.page.getByText(text, { exact: true }) }).first();
    // The name shows on the group's first message only; screen readers still hear it on every one.
    const nameShown = (text: string) =>
      shown(text)
        .locator('.message-sender')
        .evaluate((element) => element.getBoundingClientRect().width > 1);
    expect(await nameShown('Unread 1')).toBe(true);
    expect(await nameShown('Unread 2')).toBe(false);
    expect(await shown('Unread 2').locator('.message-sender').textContent()).toBe(adaUser.displayName);
    expect(await nameShown('Read before 30')).toBe(false);
    // One date separator for the day, as the reader's locale words it.
    expect(await ben.page.locator('.timeline-day h2').allTextContents()).toEqual(['Today']);
    expect(await messageTexts(ben.page)).toHaveLength(100);
    await auditScreen(ben.page, 'conversation-unread');

    // The pill goes to the newest message, which marks the conversation read.
    await pill.click();
    await eventually(() => distanceFromBottom(ben.page)).toBeLessThan(5);
    await eventually(() => pill.count()).toBe(0);
    await eventually(() => entry.locator('.unread-badge').count()).toBe(0);

    // Scrolled up, the pill offers the latest, and counts what arrives meanwhile.
    await ben.page.locator('.message-scroller').evaluate((element) => {
      element.scrollTop = 0;
    });
    await eventually(() => pill.textContent()).toBe('Jump to latest ↓');
    await direct.post('Arrived while you were up there');
    await direct.post('And another one');
    await eventually(() => pill.textContent()).toBe('2 new messages ↓');
    await auditScreen(ben.page, 'conversation-new-messages-pill');
    // By keyboard too; focus lands on the history.
    await pill.focus();
    await ben.page.keyboard.press('Enter');
    await eventually(() => distanceFromBottom(ben.page)).toBeLessThan(5);
    await eventually(() => pill.count()).toBe(0);
    expect(await ben.page.evaluate(() => document.activeElement?.className)).toBe('message-scroller');
  });

  it('far behind: lands on the first unread loaded around it, the rest offered to load', async () => {
    const adaUser = await createVerifiedUser(suite.stack, 'Kim');
    const benUser = await createVerifiedUser(suite.stack, 'Lou');
    const direct = await seededDirect(suite.stack, adaUser, benUser);
    for (let index = 1; index <= 3; index += 1) await direct.post(`Old ${index}`);
    await direct.read(3);
    for (let index = 1; index <= 260; index += 1) await direct.post(`Far ${index}`);

    const ben = await suite.open();
    await signIn(ben.page, benUser);
    await openConversation(ben.page, adaUser);
    const divider = ben.page.locator('.unread-divider');
    await expectVisible(divider);
    expect(
      await divider.evaluate(
        (element) => element.nextElementSibling?.querySelector('.message-body')?.textContent,
      ),
    ).toBe('Far 1');
    // The messages between that page and the newest are not loaded, and say so; the pill counts them all.
    await expectVisible(ben.page.getByRole('button', { name: 'Load newer messages' }));
    expect(await ben.page.locator('.message-list > li[data-seq="150"]').count()).toBe(0);
    await eventually(() => ben.page.locator('.jump-latest').textContent()).toBe('260 new messages ↓');
  });

  it('own messages sit close together: hidden actions take no room, a group shares one header', async () => {
    const { ada, ben } = await pair(suite, ['Max', 'Ned']);
    for (const text of ['First of mine', 'Second of mine']) {
      await composer(ada.page).fill(text);
      await composer(ada.page).press('Enter');
    }
    await eventually(() => ada.page.locator('.message-list > li.message:not(.message-pending)').count()).toBe(
      2,
    );
    for (const width of [1280, 360]) {
      await ada.page.setViewportSize({ width, height: 740 });
      const gap = await ada.page.evaluate(() => {
        const bubbles = [...document.querySelectorAll('.message-list .bubble')];
        const [first, second] = bubbles.map((bubble) => bubble.getBoundingClientRect());
        return (second?.top ?? 0) - (first?.bottom ?? 0);
      });
      // The second continues the first: a small gap, and no empty line for hidden actions.
      expect(gap, `${width} px`).toBeGreaterThanOrEqual(0);
      expect(gap, `${width} px`).toBeLessThan(6);
    }
    // Hovered or focused, the actions float over the bubble instead of pushing the next message down.
    const first = ada.page.locator('.message', { hasText: 'First of mine' });
    const before = await ada.page.locator('.message', { hasText: 'Second of mine' }).boundingBox();
    await first.hover();
    await expectVisible(first.getByRole('button', { name: /^Edit/ }));
    const after = await ada.page.locator('.message', { hasText: 'Second of mine' }).boundingBox();
    expect(after?.y).toBe(before?.y);
    await ben.page.bringToFront();
    await openConversation(ben.page, ada.user);
    await auditScreen(ada.page, 'conversation-grouped-own');
  });

  it('keeps a draft per conversation across navigation and reload; sending and signing out clear it', async () => {
    const { ada, ben } = await pair(suite, ['Oli', 'Pam']);
    const token = await apiToken(suite.stack, ada.user);
    await apiCall(suite.stack, token, 'POST', '/conversations', {
      type: 'group',
      title: 'Draft room',
      memberIds: [],
    });
    const open = async (name: string) => {
      await listEntry(ada.page, name).click();
      await expectHeading(ada.page, name);
    };

    await composer(ada.page).fill('Half a thought for Pam');
    await ada.page.reload();
    await expectHeading(ada.page, ben.user.displayName);
    expect(await composer(ada.page).inputValue()).toBe('Half a thought for Pam');
    await open('Draft room');
    expect(await composer(ada.page).inputValue()).toBe('');
    await composer(ada.page).fill('Group draft\nwith two lines');
    await open(ben.user.displayName);
    expect(await composer(ada.page).inputValue()).toBe('Half a thought for Pam');
    await open('Draft room');
    expect(await composer(ada.page).inputValue()).toBe('Group draft\nwith two lines');
    await auditScreen(ada.page, 'conversation-draft');

    // Sending clears that conversation's draft, also after a reload; the other one stays.
    await open(ben.user.displayName);
    await composer(ada.page).press('Enter');
    await eventually(() => messageTexts(ada.page)).toContain('Half a thought for Pam');
    expect(await composer(ada.page).inputValue()).toBe('');
    await ada.page.reload();
    await expectHeading(ada.page, ben.user.displayName);
    expect(await composer(ada.page).inputValue()).toBe('');
    await open('Draft room');
    expect(await composer(ada.page).inputValue()).toBe('Group draft\nwith two lines');

    // Signing out removes every draft from the browser.
    await ada.page.getByRole('button', { name: /account menu/ }).click();
    await ada.page.getByRole('button', { name: 'Sign out' }).click();
    await expectHeading(ada.page, 'Sign in to Parley');
    const kept = () =>
      ada.page.evaluate(() => Object.keys(localStorage).filter((key) => key.startsWith('parley.draft.')));
    await eventually(kept).toEqual([]);
    await signIn(ada.page, ada.user);
    await open('Draft room');
    expect(await composer(ada.page).inputValue()).toBe('');
  });

  it('opens an image full size in a dialog, by mouse and keyboard; Escape closes and focus returns', async () => {
    const { ada, ben } = await pair(suite, ['Quin', 'Rae']);
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'parley-upload-')), 'meadow.png');
    writeFileSync(file, makePng(640, 400));
    await ada.page.getByLabel('Attach files').setInputFiles(file);
    await eventually(() => ada.page.locator('.upload', { hasText: 'meadow.png' }).textContent()).toContain(
      'Ready to send',
    );
    await composer(ada.page).fill('The meadow');
    await composer(ada.page).press('Enter');
    await openConversation(ben.page, ada.user);
    const thumb = ben.page.getByRole('button', { name: 'View meadow.png full size' });
    await expectVisible(thumb);
    await eventually(() =>
      thumb.locator('img').evaluate((image: HTMLImageElement) => image.complete && image.naturalWidth),
    ).toBe(640);
    const thumbWidth = (await thumb.locator('img').boundingBox())?.width ?? 0;

    // Keyboard: Tab reaches the preview, Enter opens the viewer with focus inside, Escape closes it.
    const focusedLabel = () => ben.page.evaluate(() => document.activeElement?.getAttribute('aria-label'));
    await composer(ben.page).focus();
    for (let presses = 0; presses < 40 && (await focusedLabel()) !== 'View meadow.png full size'; presses++) {
      await ben.page.keyboard.press('Shift+Tab');
    }
    expect(await focusedLabel()).toBe('View meadow.png full size');
    await ben.page.keyboard.press('Enter');
    const viewer = ben.page.getByRole('dialog', { name: 'meadow.png' });
    await expectVisible(viewer);
    await eventually(() => ben.page.evaluate(() => document.activeElement?.textContent)).toBe('Close');
    const full = viewer.getByRole('img', { name: 'meadow.png' });
    await eventually(() =>
      full.evaluate((image: HTMLImageElement) => image.complete && image.naturalWidth),
    ).toBe(640);
    // Full size: the whole 640 px image, much larger than its preview.
    expect((await full.boundingBox())?.width).toBe(640);
    expect(thumbWidth).toBeLessThan(320);
    await auditScreen(ben.page, 'image-viewer');
    await ben.page.keyboard.press('Escape');
    await eventually(() => viewer.count()).toBe(0);
    expect(await focusedLabel()).toBe('View meadow.png full size');

    // Mouse: a click opens it, the Close button closes it, focus back on the preview.
    await thumb.click();
    await expectVisible(viewer);
    await viewer.getByRole('button', { name: 'Close' }).click();
    await eventually(() => viewer.count()).toBe(0);
    expect(await focusedLabel()).toBe('View meadow.png full size');
  });

  it('keyboard: ↑ in the empty composer edits your last message, Escape cancels, Alt+↑/↓ change conversation', async () => {
    const { ada, ben } = await pair(suite, ['Sam', 'Tia']);
    for (const text of ['First try', 'Second tyop']) {
      await composer(ada.page).fill(text);
      await composer(ada.page).press('Enter');
    }
    await openConversation(ben.page, ada.user);
    await eventually(() => messageTexts(ben.page)).toEqual(['First try', 'Second tyop']);
    const composerFocused = () =>
      composer(ada.page).evaluate((element) => element === document.activeElement);

    // With text in the field, ↑ only moves the cursor.
    await composer(ada.page).fill('draft');
    await composer(ada.page).press('ArrowUp');
    expect(await ada.page.getByRole('textbox', { name: 'Edit message' }).count()).toBe(0);
    await composer(ada.page).fill('');

    // Empty: ↑ edits the newest own message; Enter saves; focus comes back to the composer.
    await composer(ada.page).press('ArrowUp');
    const edit = ada.page.getByRole('textbox', { name: 'Edit message' });
    await expectVisible(edit);
    expect(await edit.inputValue()).toBe('Second tyop');
    expect(await edit.evaluate((element) => element === document.activeElement)).toBe(true);
    await auditScreen(ada.page, 'conversation-edit-from-keyboard');
    await edit.press('Control+a');
    await edit.pressSequentially('Second typo, fixed');
    await edit.press('Enter');
    await eventually(() => messageTexts(ben.page)).toEqual(['First try', 'Second typo, fixed']);
    await eventually(composerFocused).toBe(true);

    // ↑ again, then Escape: nothing changes, focus back in the composer.
    await composer(ada.page).press('ArrowUp');
    await expectVisible(edit);
    await edit.pressSequentially(' and more');
    await edit.press('Escape');
    await eventually(() => edit.count()).toBe(0);
    expect(await messageTexts(ada.page)).toEqual(['First try', 'Second typo, fixed']);
    await eventually(composerFocused).toBe(true);

    // Alt+↓ / Alt+↑ walk the conversation list in its order, from anywhere (the composer too).
    const token = await apiToken(suite.stack, ada.user);
    await apiCall(suite.stack, token, 'POST', '/conversations', {
      type: 'group',
      title: 'Keys room',
      memberIds: [],
    });
    // Names as listed, without the presence status a direct conversation says beside its name.
    const names = () =>
      ada.page.locator('.conversation-link .conversation-name').evaluateAll((elements) =>
        elements.map((element) => {
          const copy = element.cloneNode(true) as Element;
          for (const status of copy.querySelectorAll('.presence-status')) status.remove();
          return copy.textContent ?? '';
        }),
      );
    await eventually(names).toHaveLength(2);
    const order = await names();
    const heading = () => ada.page.locator('.thread-title h1').textContent();
    const start = order.indexOf((await heading()) ?? '');
    expect(start).toBeGreaterThanOrEqual(0);
    const other = order[1 - start] ?? '';
    await composer(ada.page).focus();
    await ada.page.keyboard.press(start === 0 ? 'Alt+ArrowDown' : 'Alt+ArrowUp');
    await expectHeading(ada.page, other);
    // At the end of the list it stays.
    await ada.page.keyboard.press(start === 0 ? 'Alt+ArrowDown' : 'Alt+ArrowUp');
    await expectHeading(ada.page, other);
    await ada.page.keyboard.press(start === 0 ? 'Alt+ArrowUp' : 'Alt+ArrowDown');
    await expectHeading(ada.page, ben.user.displayName);
  });
});

import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { auditScreen } from '../support/audit.js';
import { eventually } from '../support/eventually.js';
import {
  createVerifiedUser,
  expectHeading,
  expectVisible,
  listEntry,
  messageTexts,
  signIn,
  startDirectMessage,
  type TestUser,
} from '../support/parley.js';
import { browserSuite } from '../support/suite.js';

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
  // Seeding a long history goes through the API faster than the default send limit allows.
  const suite = browserSuite({ LIMIT_MESSAGES: '1000/10s' });

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
});

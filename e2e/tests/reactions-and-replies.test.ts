import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { auditScreen } from '../support/audit.js';
import { eventually, expectLocator } from '../support/eventually.js';
import {
  apiToken,
  createVerifiedUser,
  expectHeading,
  expectVisible,
  focused,
  listEntry,
  messageTexts,
  sendMessage,
  signIn,
  startDirectMessage,
  type TestUser,
} from '../support/parley.js';
import type { Stack } from '../support/stack.js';
import { browserSuite } from '../support/suite.js';

/** The chip of one emoji on the message whose text is `text`. */
function chip(page: Page, text: string, emoji: string) {
  return page.locator('.message', { hasText: text }).locator('.reaction-chip', { hasText: emoji });
}

/** Each chip of a message as "emoji count" plus "*" when pressed (the viewer reacted). */
function chips(page: Page, text: string): Promise<string[]> {
  return page
    .locator('.message', { hasText: text })
    .locator('.reaction-chip')
    .evaluateAll((buttons) =>
      buttons.map(
        (button) =>
          `${button.querySelector('.reaction-emoji')?.textContent} ${button.querySelector('.reaction-count')?.textContent}${button.getAttribute('aria-pressed') === 'true' ? '*' : ''}`,
      ),
    );
}

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

async function openConversation(page: Page, other: TestUser): Promise<void> {
  const entry = listEntry(page, other.displayName);
  await expectVisible(entry);
  await entry.click();
  await expectHeading(page, other.displayName);
}

describe('reactions and replies', () => {
  // Seeding a long history goes through the API faster than the default send limit allows.
  const suite = browserSuite({ LIMIT_MESSAGES: '1000/10s' });

  it('two people react: chips show live with counts and who, toggle by mouse and keyboard, and catch up after offline', async () => {
    const adaUser = await createVerifiedUser(suite.stack, 'Ada');
    const benUser = await createVerifiedUser(suite.stack, 'Ben');
    const ada = await suite.open();
    const ben = await suite.open();
    await signIn(ada.page, adaUser);
    await signIn(ben.page, benUser);
    await startDirectMessage(ada.page, benUser.email, benUser.displayName);
    await sendMessage(ada.page, 'Lunch at noon?');
    await openConversation(ben.page, adaUser);
    await eventually(() => messageTexts(ben.page)).toEqual(['Lunch at noon?']);

    // Ben reacts with the mouse, from the picker's common emoji.
    const message = ben.page.locator('.message', { hasText: 'Lunch at noon?' });
    await message.hover();
    await message.getByRole('button', { name: /^React to / }).click();
    const picker = ben.page.getByRole('group', { name: 'Add a reaction' });
    await expectVisible(picker);
    await picker.getByRole('button', { name: 'React with thumbs up' }).click();
    await eventually(() => chips(ben.page, 'Lunch at noon?')).toEqual(['👍 1*']);
    await expectLocator(picker).toHaveCount(0);
    // Ada sees it live, not pressed for her.
    await eventually(() => chips(ada.page, 'Lunch at noon?')).toEqual(['👍 1']);

    // Ada, by keyboard: focus shows who reacted, Escape hides it, Enter adds hers.
    const thumb = chip(ada.page, 'Lunch at noon?', '👍');
    await thumb.focus();
    // Hidden tooltips are left out of role queries: found by class, checked for visibility.
    const tip = ada.page.locator('.message', { hasText: 'Lunch at noon?' }).locator('.reaction-tip');
    expect(await tip.getAttribute('role')).toBe('tooltip');
    expect(await thumb.getAttribute('aria-describedby')).toBe(await tip.getAttribute('id'));
    await eventually(() => tip.isVisible()).toBe(true);
    expect(await tip.textContent()).toBe(`${benUser.displayName} reacted with 👍`);
    await ada.page.keyboard.press('Escape');
    await expectLocator(tip).toBeHidden();
    await ada.page.keyboard.press('Enter');
    await eventually(() => chips(ada.page, 'Lunch at noon?')).toEqual(['👍 2*']);
    await eventually(() => chips(ben.page, 'Lunch at noon?')).toEqual(['👍 2*']);
    await thumb.blur();
    await thumb.focus();
    await eventually(async () => (await tip.isVisible()) && (await tip.textContent())).toBe(
      `You and ${benUser.displayName} reacted with 👍`,
    );

    // The picker by keyboard: it opens on its first emoji, arrows move, Escape closes back to React.
    const react = ada.page
      .locator('.message', { hasText: 'Lunch at noon?' })
      .getByRole('button', { name: /^React to / });
    await react.focus();
    await ada.page.keyboard.press('Enter');
    await eventually(() => focused(ada.page)).toBe('button:👍');
    await ada.page.keyboard.press('ArrowRight');
    await eventually(() => focused(ada.page)).toBe('button:❤️');
    await auditScreen(ada.page, 'conversation-reaction-picker');
    await ada.page.keyboard.press('Escape');
    await eventually(() => focused(ada.page)).toMatch(/^button:React/);

    // Any emoji by typing it; text is refused with a message.
    await ada.page.keyboard.press('Enter');
    const anyEmoji = ada.page.getByLabel('Any emoji');
    await anyEmoji.fill('hello');
    await anyEmoji.press('Enter');
    await expectVisible(ada.page.getByRole('alert').filter({ hasText: 'Type one emoji' }));
    await anyEmoji.fill('🦊');
    await anyEmoji.press('Enter');
    await eventually(() => chips(ben.page, 'Lunch at noon?')).toEqual(['👍 2*', '🦊 1']);
    await auditScreen(ben.page, 'conversation-reactions');

    // Ben goes offline; Ada takes her thumb back and adds a party popper meanwhile.
    await ben.context.setOffline(true);
    await expectVisible(ben.page.getByText('You’re offline'));
    await chip(ada.page, 'Lunch at noon?', '👍').click();
    await eventually(() => chips(ada.page, 'Lunch at noon?')).toEqual(['👍 1', '🦊 1*']);
    await ada.page
      .locator('.message', { hasText: 'Lunch at noon?' })
      .getByRole('button', { name: /^React to / })
      .click();
    await ada.page.getByRole('button', { name: 'React with party popper' }).click();
    await eventually(() => chips(ada.page, 'Lunch at noon?')).toEqual(['👍 1', '🦊 1*', '🎉 1*']);
    expect(await chips(ben.page, 'Lunch at noon?')).toEqual(['👍 2*', '🦊 1']);
    await ben.context.setOffline(false);
    // Reconnecting waits out the socket's backoff first.
    await expect
      .poll(() => chips(ben.page, 'Lunch at noon?'), { timeout: 20_000 })
      .toEqual(['👍 1*', '🦊 1', '🎉 1']);
    expect(await messageTexts(ben.page)).toEqual(['Lunch at noon?']);
    // The recently used emoji lead the picker next time.
    await ada.page
      .locator('.message', { hasText: 'Lunch at noon?' })
      .getByRole('button', { name: /^React to / })
      .click();
    const recent = ada.page.getByRole('list', { name: 'Recent' }).getByRole('button');
    await eventually(() => recent.evaluateAll((buttons) => buttons.map((b) => b.textContent))).toEqual([
      '🎉',
      '🦊',
      '👍',
    ]);
  });

  it('replies quote the original, and a click jumps to it, loading older history around it', async () => {
    const adaUser = await createVerifiedUser(suite.stack, 'Ada');
    const benUser = await createVerifiedUser(suite.stack, 'Ben');
    const adaToken = await apiToken(suite.stack, adaUser);
    const benToken = await apiToken(suite.stack, benUser);
    // A long history, written before Ben opens the app (a tab holds what arrives live): the original,
    // then 120 messages, then a reply to the original, all by API.
    const benId = ((await apiCall(suite.stack, benToken, 'GET', '/me')) as { id: string }).id;
    const direct = (await apiCall(suite.stack, adaToken, 'POST', '/conversations', {
      type: 'direct',
      memberIds: [benId],
    })) as { id: string };
    const post = (body: string, replyToId?: string) =>
      apiCall(suite.stack, adaToken, 'POST', `/conversations/${direct.id}/messages`, {
        clientId: crypto.randomUUID(),
        body,
        ...(replyToId ? { replyToId } : {}),
      }) as Promise<{ id: string; seq: number }>;
    const original = await post('The original question: where do we meet?');
    for (let i = 1; i <= 120; i += 1) await post(`filler ${i}`);
    const lastSeeded = await post('Answering my own question from long ago', original.id);
    // Ben has read it all (elsewhere): the conversation opens at the newest message, not the first unread.
    await apiCall(suite.stack, benToken, 'POST', `/conversations/${direct.id}/read`, { seq: lastSeeded.seq });
    const ben = await suite.open();
    const ada = await suite.open();
    await signIn(ben.page, benUser);
    await signIn(ada.page, adaUser);

    await openConversation(ben.page, adaUser);
    const reply = ben.page.locator('.message', { hasText: 'Answering my own question' });
    await expectVisible(reply);
    const quote = reply.getByRole('button', { name: /In reply to/ });
    expect(await quote.textContent()).toContain('The original question: where do we meet?');
    // The original is far back: not loaded yet.
    expect(await ben.page.locator('.message-list > li[data-seq="1"]').count()).toBe(0);

    await quote.click();
    const target = ben.page.locator('.message-list > li[data-seq="1"]');
    await expectVisible(target);
    await eventually(() => target.evaluate((element) => element === document.activeElement)).toBe(true);
    expect(await target.locator('.message-body').textContent()).toBe(
      'The original question: where do we meet?',
    );
    // The rest stays unloaded until asked for; then it fills in order, once each.
    const gap = ben.page.getByRole('button', { name: 'Load newer messages' });
    await expectVisible(gap);
    await auditScreen(ben.page, 'conversation-jumped-to-original');
    while ((await gap.count()) > 0) {
      await gap.click();
      await eventually(async () => (await ben.page.locator('.history-gap .spinner').count()) === 0).toBe(
        true,
      );
    }
    const seqs = await ben.page.$$eval('.message-list > li[data-seq]', (items) =>
      items.map((item) => Number(item.getAttribute('data-seq'))),
    );
    expect(seqs).toEqual(Array.from({ length: 122 }, (_, i) => i + 1));

    // Ben replies from the UI; Escape cancels a reply, Reply again and send.
    const last = ben.page.locator('.message', { hasText: 'Answering my own question' });
    await last.hover();
    await last.getByRole('button', { name: /^Reply to / }).click();
    const composer = ben.page.getByRole('textbox', { name: /^Message / });
    await eventually(() => composer.evaluate((element) => element === document.activeElement)).toBe(true);
    const banner = ben.page.locator('.composer-reply');
    await expectVisible(banner);
    await composer.press('Escape');
    await expectLocator(banner).toHaveCount(0);
    await last.hover();
    await last.getByRole('button', { name: /^Reply to / }).click();
    await expectVisible(banner);
    expect(await banner.textContent()).toContain('Answering my own question');
    await auditScreen(ben.page, 'composer-replying');
    await sendMessage(ben.page, 'Meet at the fountain');
    await expectLocator(banner).toHaveCount(0);

    // Ada sees the reply live, with its quote; a click focuses the original she already holds.
    await openConversation(ada.page, benUser);
    const answer = ada.page.locator('.message', { hasText: 'Meet at the fountain' });
    await expectVisible(answer);
    await answer.getByRole('button', { name: /In reply to/ }).click();
    const answered = ada.page.locator('.message', { hasText: 'Answering my own question' }).first();
    await eventually(() => answered.evaluate((element) => element === document.activeElement)).toBe(true);

    // The original is deleted: the quote says so for Ben at once, and after a reload.
    await answered.hover();
    await answered.getByRole('button', { name: /^Delete/ }).click();
    await ada.page.getByRole('button', { name: 'Yes, delete' }).click();
    const benQuote = ben.page
      .locator('.message', { hasText: 'Meet at the fountain' })
      .locator('.reply-quote');
    await expectLocator(benQuote).toContainText('Message deleted');
    await ben.page.reload();
    await expectHeading(ben.page, adaUser.displayName);
    await expectLocator(
      ben.page.locator('.message', { hasText: 'Meet at the fountain' }).locator('.reply-quote'),
    ).toContainText('Message deleted');
  });
});

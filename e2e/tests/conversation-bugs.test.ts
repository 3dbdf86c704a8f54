import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { eventually } from '../support/eventually.js';
import {
  apiToken,
  createVerifiedUser,
  expectHeading,
  expectVisible,
  listEntry,
  seedDirectConversation,
  sendMessage,
  signIn,
  startDirectMessage,
  type TestUser,
} from '../support/parley.js';
import type { Stack } from '../support/stack.js';
import { browserSuite } from '../support/suite.js';

/** Creates a group through the API as `owner` with the others in it; returns its id. */
async function createGroupViaApi(
  stack: Stack,
  owner: TestUser,
  title: string,
  others: readonly TestUser[],
): Promise<string> {
  const headers = {
    'Content-Type': 'application/json',
    Authorization: `Bearer ${await apiToken(stack, owner)}`,
  };
  const memberIds: string[] = [];
  for (const other of others) {
    const found = await fetch(`${stack.baseUrl}/api/users/lookup?email=${encodeURIComponent(other.email)}`, {
      headers,
    });
    memberIds.push(((await found.json()) as { id: string }).id);
  }
  const created = await fetch(`${stack.baseUrl}/api/conversations`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ type: 'group', title, memberIds }),
  });
  expect(created.status).toBe(201);
  return ((await created.json()) as { id: string }).id;
}

/**
 * Whether anything sticks out sideways: the document scrolls horizontally, the composer or a message
 * bubble reaches past the viewport, or the message list scrolls sideways. Empty when nothing does.
 */
function overflows(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const problems: string[] = [];
    const width = document.documentElement.clientWidth;
    const height = document.documentElement.clientHeight;
    if (document.documentElement.scrollWidth > width) {
      problems.push(`document ${document.documentElement.scrollWidth} px wide in ${width} px`);
    }
    const box = (selector: string) => document.querySelector(selector)?.getBoundingClientRect();
    for (const selector of ['.composer', '.composer-input']) {
      const rect = box(selector);
      if (!rect) problems.push(`${selector} missing`);
      else if (rect.left < 0 || rect.right > width || rect.bottom > height || rect.top < 0) {
        problems.push(
          `${selector} at ${rect.left},${rect.top}–${rect.right},${rect.bottom} in ${width}×${height}`,
        );
      }
    }
    for (const bubble of document.querySelectorAll('.message-list .bubble')) {
      const rect = bubble.getBoundingClientRect();
      if (rect.right > width || rect.left < 0) problems.push(`bubble ${rect.left}–${rect.right} in ${width}`);
    }
    for (const selector of ['.message-scroller', '.list-pane']) {
      const pane = document.querySelector(selector);
      if (pane && pane.clientWidth > 0 && pane.scrollWidth > pane.clientWidth) {
        problems.push(`${selector} ${pane.scrollWidth} px wide in ${pane.clientWidth} px`);
      }
    }
    return problems;
  });
}

/** The sender names shown on the messages of the open conversation, top to bottom. */
function senderNames(page: Page): Promise<string[]> {
  return page.locator('.message-list > li .message-sender').allTextContents();
}

/** The attachment names of the newest message shown, in the order shown. */
function lastAttachmentNames(page: Page): Promise<string[]> {
  return page
    .locator('.message-list > li')
    .last()
    .locator('.attachment-link')
    .evaluateAll((links) =>
      links.map((link) => /Download (.+) \(/.exec(link.textContent ?? '')?.[1] ?? link.textContent ?? ''),
    );
}

/**
 * The bugs of issue 13, each shown fixed in the browser. The server runs with the default limits, except
 * that this file signs up more people from one address than LIMIT_REGISTER_IP and LIMIT_TOKEN_IP allow.
 */
describe('conversation bugs of issue 13', () => {
  const suite = browserSuite({ LIMIT_REGISTER_IP: '100/3600s', LIMIT_TOKEN_IP: '100/3600s' });

  it('signs in 12 times in a row without the rate-limit message (only failures count)', async () => {
    const user = await createVerifiedUser(suite.stack, 'Frequent');
    const { page } = await suite.open();
    // LIMIT_LOGIN_ACCOUNT_IP is 10 per 15 minutes by default: more sign-ins than that all go through.
    for (let round = 1; round <= 12; round += 1) {
      await signIn(page, user);
      await page.getByRole('button', { name: /account menu/ }).click();
      await page.getByRole('button', { name: 'Sign out' }).click();
      await expectHeading(page, 'Sign in to Parley');
    }
    expect(await page.getByText(/Too many attempts/).count()).toBe(0);

    // Failures still count: after 10 wrong passwords the 11th attempt is refused, even the right one.
    const attempt = async (password: string) => {
      await page.getByLabel('Email').fill(user.email);
      await page.getByLabel('Password', { exact: true }).fill(password);
      const [response] = await Promise.all([
        page.waitForResponse((r) => new URL(r.url()).pathname === '/api/auth/login'),
        page.getByRole('button', { name: 'Sign in', exact: true }).click(),
      ]);
      return response.status();
    };
    const statuses: number[] = [];
    for (let index = 1; index <= 10; index += 1) statuses.push(await attempt(`not the password ${index}`));
    expect(statuses).toEqual(Array(10).fill(401));
    expect(await attempt(user.password)).toBe(429);
    await expectVisible(page.getByRole('alert').filter({ hasText: /Too many attempts/ }));
  });

  it('shows several attachments of one message in the order they were chosen, on both sides and after a reload', async () => {
    const [adaUser, benUser] = await Promise.all([
      createVerifiedUser(suite.stack, 'Ada'),
      createVerifiedUser(suite.stack, 'Ben'),
    ]);
    const ada = await suite.open();
    const ben = await suite.open();
    await Promise.all([signIn(ada.page, adaUser), signIn(ben.page, benUser)]);
    await startDirectMessage(ada.page, benUser.email, benUser.displayName);

    // Five files chosen at once (their uploads start together), then one more; none in name order.
    const dir = mkdtempSync(path.join(tmpdir(), 'parley-order-'));
    const chosen = ['delta.txt', 'alpha.txt', 'echo.txt', 'bravo.txt', 'charlie.txt', 'foxtrot.txt'];
    const files = chosen.map((name, index) => {
      const file = path.join(dir, name);
      writeFileSync(file, `${name}\n`.repeat(index + 1));
      return file;
    });
    // The first file's upload reaches the server last (as over a slow connection): the message must
    // still show it first.
    const uploadName = (url: string) =>
      new URL(url).pathname === '/api/attachments' ? new URL(url).searchParams.get('name') : null;
    const othersStored = new Promise<void>((resolve) => {
      let stored = 0;
      ada.page.on('response', (response) => {
        const name = uploadName(response.url());
        if (name && name !== chosen[0] && response.status() === 201 && ++stored === chosen.length - 1)
          resolve();
      });
    });
    await ada.page.route(
      (url) => uploadName(url.href) === chosen[0],
      async (route) => {
        await othersStored;
        await route.continue();
      },
    );
    await ada.page.getByLabel('Attach files').setInputFiles(files.slice(0, 5));
    await ada.page.getByLabel('Attach files').setInputFiles(files.slice(5));
    await expect.poll(() => ada.page.getByText('Ready to send').count()).toBe(6);
    expect(
      await ada.page
        .locator('.upload-name')
        .evaluateAll((items) => items.map((i) => i.firstChild?.textContent?.trim())),
    ).toEqual(chosen);
    await ada.page.getByRole('textbox', { name: /^Message / }).fill('Six files');
    await ada.page.getByRole('button', { name: 'Send' }).click();

    await expect.poll(() => lastAttachmentNames(ada.page)).toEqual(chosen);
    await listEntry(ben.page, adaUser.displayName).click();
    await expect.poll(() => lastAttachmentNames(ben.page)).toEqual(chosen);
    await ada.page.reload();
    await expect.poll(() => lastAttachmentNames(ada.page)).toEqual(chosen);
  });

  it('keeps the names of people who left or were removed on their messages and receipts, marked "(left)"', async () => {
    const [adaUser, benUser, cyUser] = await Promise.all([
      createVerifiedUser(suite.stack, 'Ada'),
      createVerifiedUser(suite.stack, 'Ben'),
      createVerifiedUser(suite.stack, 'Cy'),
    ]);
    const [ada, ben] = [await suite.open(), await suite.open()];
    await Promise.all([signIn(ada.page, adaUser), signIn(ben.page, benUser)]);
    const groupId = await createGroupViaApi(suite.stack, adaUser, 'Farewells', [benUser, cyUser]);
    const cyToken = await apiToken(suite.stack, cyUser);
    const cySends = await fetch(`${suite.stack.baseUrl}/api/conversations/${groupId}/messages`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${cyToken}` },
      body: JSON.stringify({ clientId: crypto.randomUUID(), body: 'Cy was here' }),
    });
    expect(cySends.status).toBe(201);

    for (const { page } of [ada, ben]) {
      await listEntry(page, 'Farewells').click();
      await expectHeading(page, 'Farewells');
    }
    await sendMessage(ben.page, 'Bye everyone');
    await eventually(() => senderNames(ada.page)).toEqual([cyUser.displayName, benUser.displayName]);
    // Ada writes; Ben, looking at the group, reads it: "Seen by Ben".
    await sendMessage(ada.page, 'See you, Ben');
    await eventually(() => ada.page.locator('.message-seen').textContent()).toBe(
      `Seen by ${benUser.displayName}`,
    );

    // Ben leaves and Ada removes Cy: Ada's open view keeps their names, marked, on messages and receipt.
    await ben.page.getByRole('button', { name: 'Members', exact: true }).click();
    await ben.page.getByRole('button', { name: 'Leave group…' }).click();
    await ben.page.getByRole('button', { name: 'Leave group', exact: true }).click();
    await expectHeading(ben.page, 'Conversations');
    await ada.page.getByRole('button', { name: 'Members', exact: true }).click();
    await ada.page.getByRole('button', { name: `Remove ${cyUser.displayName}` }).click();
    await expectVisible(ada.page.getByText('Group · 1 member'));
    await eventually(() => senderNames(ada.page)).toEqual([
      `${cyUser.displayName} (left)`,
      `${benUser.displayName} (left)`,
      'You',
    ]);
    expect(await ada.page.locator('.message-seen').textContent()).toBe(
      `Seen by ${benUser.displayName} (left)`,
    );
    expect(await ada.page.getByText('Former member').count()).toBe(0);

    // After a reload too.
    await ada.page.reload();
    await expectHeading(ada.page, 'Farewells');
    await eventually(() => senderNames(ada.page)).toEqual([
      `${cyUser.displayName} (left)`,
      `${benUser.displayName} (left)`,
      'You',
    ]);
  });

  it('shows a changed display name live to the other member and in the user’s other tab, without a reload', async () => {
    const [adaUser, benUser] = await Promise.all([
      createVerifiedUser(suite.stack, 'Ada'),
      createVerifiedUser(suite.stack, 'Ben'),
    ]);
    const ada = await suite.open();
    const ben = await suite.open();
    await Promise.all([signIn(ada.page, adaUser), signIn(ben.page, benUser)]);
    await startDirectMessage(ada.page, benUser.email, benUser.displayName);
    await sendMessage(ada.page, 'Call me by my full name');
    await listEntry(ben.page, adaUser.displayName).click();
    await expectHeading(ben.page, adaUser.displayName);
    await eventually(() => senderNames(ben.page)).toEqual([adaUser.displayName]);
    // Ada's second tab (same browser profile) stays on the conversation.
    const adaElsewhere = await ada.context.newPage();
    await adaElsewhere.goto(new URL(ada.page.url()).pathname);
    await expectHeading(adaElsewhere, benUser.displayName);
    const menuName = adaElsewhere.locator('.user-menu-name');
    await eventually(() => menuName.textContent()).toBe(adaUser.displayName);
    // Marks the documents: a reload would lose the mark.
    for (const page of [ben.page, adaElsewhere]) {
      await page.evaluate(() => document.documentElement.setAttribute('data-not-reloaded', 'yes'));
    }

    const newName = `Ada Lovelace ${adaUser.displayName.slice(-4)}`;
    await ada.page.goto('/settings');
    await ada.page.getByLabel('Display name').fill(newName);
    await ada.page.getByRole('button', { name: 'Save display name' }).click();
    await expectVisible(ada.page.getByText(`Others now see you as ${newName}`));

    // Ben's open conversation: its title, the sender of the message, and the list entry.
    await expectHeading(ben.page, newName);
    await eventually(() => senderNames(ben.page)).toEqual([newName]);
    await eventually(() => listEntry(ben.page, newName).count()).toBe(1);
    // Ada's other tab: the account menu.
    await eventually(() => menuName.textContent()).toBe(newName);
    for (const page of [ben.page, adaElsewhere]) {
      expect(await page.evaluate(() => document.documentElement.getAttribute('data-not-reloaded'))).toBe(
        'yes',
      );
    }
  });

  it('wraps long words and URLs in the composer and in messages, at 1280 px and 360 px', async () => {
    const [adaUser, benUser] = await Promise.all([
      createVerifiedUser(suite.stack, 'Ada'),
      createVerifiedUser(suite.stack, 'Ben'),
    ]);
    const ada = await suite.open();
    const ben = await suite.open();
    await Promise.all([signIn(ada.page, adaUser), signIn(ben.page, benUser)]);
    await startDirectMessage(ada.page, benUser.email, benUser.displayName);
    const conversationPath = new URL(ada.page.url()).pathname;
    await listEntry(ben.page, adaUser.displayName).click();
    await expectHeading(ben.page, adaUser.displayName);

    const word = 'x'.repeat(300);
    const url = `https://example.com/${'a1b2c3d4e5'.repeat(11)}`;
    expect(url).toHaveLength(130);
    const composer = ada.page.getByRole('textbox', { name: /^Message / });
    for (const [width, height] of [
      [1280, 800],
      [360, 740],
    ] as const) {
      for (const page of [ada.page, ben.page]) await page.setViewportSize({ width, height });
      await ada.page.goto(conversationPath);
      await expectHeading(ada.page, benUser.displayName);
      for (const text of [word, url]) {
        await composer.fill(text);
        await eventually(() => overflows(ada.page), `${width} px, typing ${text.slice(0, 20)}…`).toEqual([]);
        // The field grows with its text only up to a limit, then scrolls.
        const field = await composer.boundingBox();
        expect(field?.height ?? 0).toBeLessThanOrEqual(height / 2);
      }
      await composer.fill(`${word}\n${'y'.repeat(2000)}`);
      await eventually(() => overflows(ada.page), `${width} px, a long text`).toEqual([]);
      expect(await composer.evaluate((element) => element.scrollHeight > element.clientHeight)).toBe(true);
      await composer.fill('');

      await sendMessage(ada.page, word);
      await sendMessage(ada.page, `Look: ${url}`);
      await eventually(() =>
        ada.page.locator('.message-list > li.message:not(.message-pending)').count(),
      ).toBe(width === 1280 ? 2 : 4);
      await eventually(() => ben.page.locator('.message-list > li.message').count()).toBe(
        width === 1280 ? 2 : 4,
      );
      await eventually(() => overflows(ada.page), `${width} px, sender`).toEqual([]);
      await eventually(() => overflows(ben.page), `${width} px, receiver`).toEqual([]);
      // The link stays one link, whole.
      expect(await ben.page.getByRole('link', { name: url }).last().getAttribute('href')).toBe(url);
      // Editing the long word: the edit field wraps it too.
      const long = ada.page.locator('.message-list > li', { hasText: word }).last();
      await long.getByRole('button', { name: /^Edit/ }).click();
      await expectVisible(long.getByRole('textbox', { name: 'Edit message' }));
      await eventually(() => overflows(ada.page), `${width} px, editing`).toEqual([]);
      await long.getByRole('button', { name: 'Cancel' }).click();
    }
  });

  it('shows the "Seen" receipt under the last message in full after sending, at 1280 px and 360 px', async () => {
    const [adaUser, benUser] = await Promise.all([
      createVerifiedUser(suite.stack, 'Ada'),
      createVerifiedUser(suite.stack, 'Ben'),
    ]);
    // A history long enough to scroll.
    const conversation = await seedDirectConversation(suite.stack, benUser, adaUser);
    for (let index = 1; index <= 40; index += 1) {
      const sent = await conversation.post(`Earlier message ${index}`);
      expect(sent.status).toBe(201);
    }

    const ada = await suite.open();
    const ben = await suite.open();
    await Promise.all([signIn(ada.page, adaUser), signIn(ben.page, benUser)]);
    /** How much of the receipt the message list shows: 1 when all of it, 0 when none (or none yet). */
    const receiptShown = () =>
      ada.page.evaluate(() => {
        const receipt = document.querySelector('.message-seen')?.getBoundingClientRect();
        const scroller = document.querySelector('.message-scroller');
        if (!receipt || !scroller || receipt.height === 0) return 0;
        const view = scroller.getBoundingClientRect();
        const bottom = view.top + scroller.clientHeight;
        const shown = Math.min(receipt.bottom, bottom) - Math.max(receipt.top, view.top);
        return Math.max(0, Math.round((shown / receipt.height) * 100) / 100);
      });

    for (const [width, height] of [
      [1280, 800],
      [360, 740],
    ] as const) {
      for (const page of [ada.page, ben.page]) {
        await page.setViewportSize({ width, height });
        await page.goto(`/conversations/${conversation.id}`);
      }
      await expectHeading(ada.page, benUser.displayName);
      await expectHeading(ben.page, adaUser.displayName);
      await sendMessage(ada.page, `Did you read this at ${width} px?`);
      // Ben has the conversation open, so he reads it at once: Ada sees "Seen", all of it.
      await eventually(() => ada.page.locator('.message-seen').count()).toBe(1);
      await eventually(receiptShown, `${width} px`).toBe(1);
      expect(await ada.page.locator('.message-seen').textContent()).toBe('Seen');
    }
  });
});

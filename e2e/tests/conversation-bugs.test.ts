import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import {
  createVerifiedUser,
  expectHeading,
  expectVisible,
  listEntry,
  signIn,
  startDirectMessage,
} from '../support/parley.js';
import { browserSuite } from '../support/suite.js';

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

/** The bugs of issue 13, each shown fixed in the browser. The server runs with the default limits. */
describe('conversation bugs of issue 13', () => {
  const suite = browserSuite();

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
        page.getByRole('button', { name: 'Sign in' }).click(),
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
});

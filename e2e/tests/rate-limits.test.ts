import { describe, expect, it } from 'vitest';
import {
  createVerifiedUser,
  expectVisible,
  listEntry,
  messageTexts,
  sendMessage,
  signIn,
  startDirectMessage,
} from '../support/parley.js';
import { browserSuite } from '../support/suite.js';

/** Three messages per 10 s: a fourth typed at once is over the limit for the rest of the window. */
const WINDOW_SECONDS = 10;

describe('the send limit in the browser', () => {
  const suite = browserSuite({ LIMIT_MESSAGES: `3/${WINDOW_SECONDS}s` });

  it('a send over LIMIT_MESSAGES shows a notice, waits, and is delivered in order after the delay', async () => {
    const [adaUser, benUser] = await Promise.all([
      createVerifiedUser(suite.stack, 'Ada'),
      createVerifiedUser(suite.stack, 'Ben'),
    ]);
    const ada = await suite.open();
    const ben = await suite.open();
    await Promise.all([signIn(ada.page, adaUser), signIn(ben.page, benUser)]);
    await startDirectMessage(ada.page, benUser.email, benUser.displayName);

    for (const text of ['one', 'two', 'three', 'four', 'five']) await sendMessage(ada.page, text);
    // The server refused the fourth (and the fifth): they wait, with a notice, instead of failing.
    const notice = ada.page.getByRole('status').filter({ hasText: 'faster than Parley allows' });
    await expectVisible(notice.first());
    expect(await ada.page.locator('.message-pending .message-state').allTextContents()).toEqual([
      'Waiting to send',
      'Waiting to send',
    ]);
    expect(await ada.page.locator('.message-failed').count()).toBe(0);

    // Once the window has passed they go out by themselves, in the order they were written.
    await expect
      .poll(() => ada.page.locator('.message-pending').count(), {
        timeout: (WINDOW_SECONDS + 10) * 1000,
        interval: 250,
      })
      .toBe(0);
    expect(await messageTexts(ada.page)).toEqual(['one', 'two', 'three', 'four', 'five']);
    expect(await notice.count()).toBe(0);

    // Ben receives all five, once each, in order.
    const entry = listEntry(ben.page, adaUser.displayName);
    await expect.poll(() => entry.textContent(), { timeout: 10_000 }).toContain('five');
    await entry.click();
    await expect.poll(() => messageTexts(ben.page)).toEqual(['one', 'two', 'three', 'four', 'five']);
  });
});

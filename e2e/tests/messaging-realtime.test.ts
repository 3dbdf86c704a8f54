import { describe, expect, it } from 'vitest';
import { auditScreen } from '../support/audit.js';
import {
  createVerifiedUser,
  expectHeading,
  expectVisible,
  linkIn,
  listEntry,
  messageTexts,
  sendMessage,
  signIn,
  signUpThroughEmail,
  startDirectMessage,
} from '../support/parley.js';
import { browserSuite } from '../support/suite.js';

describe('messaging in real time', () => {
  const suite = browserSuite();

  it('two people sign up, start a direct message, chat in real time, and catch up after going offline', async () => {
    const ada = await suite.open();
    const ben = await suite.open();
    const adaUser = await signUpThroughEmail(ada.page, suite.stack, 'Ada');
    const benUser = await signUpThroughEmail(ben.page, suite.stack, 'Ben');
    await expectVisible(ben.page.getByRole('heading', { name: 'No conversations yet' }));

    // Ada finds Ben by email; a first message appears in Ben's list, live, with an unread badge.
    await startDirectMessage(ada.page, benUser.email, benUser.displayName);
    await sendMessage(ada.page, 'Hello Ben, see https://example.com/docs?a=1 <b>not bold</b>');
    const entry = listEntry(ben.page, adaUser.displayName);
    await expect.poll(() => entry.textContent()).toContain('Hello Ben');
    expect(await entry.locator('.unread-badge').textContent()).toBe('1 unread message');

    await entry.click();
    await expectHeading(ben.page, adaUser.displayName);
    expect(await messageTexts(ben.page)).toEqual([
      'Hello Ben, see https://example.com/docs?a=1 <b>not bold</b>',
    ]);
    // Text stays text; only the http(s) URL became a link, opening safely in a new tab.
    expect(await ben.page.locator('.message-body b').count()).toBe(0);
    const link = ben.page.getByRole('link', { name: 'https://example.com/docs?a=1', exact: true });
    expect(await link.getAttribute('href')).toBe('https://example.com/docs?a=1');
    expect(await link.getAttribute('rel')).toBe('noopener noreferrer nofollow');
    expect(await link.getAttribute('target')).toBe('_blank');
    // Reading it clears the badge.
    await expect.poll(() => entry.locator('.unread-badge').count()).toBe(0);

    // Typing shows on the other side; a reply arrives in real time, and Ada sees it was read.
    await ben.page.getByRole('textbox', { name: /^Message / }).pressSequentially('Hi');
    await expect
      .poll(() => ada.page.locator('.typing-indicator').textContent())
      .toBe(`${benUser.displayName} is typing…`);
    await ben.page.getByRole('textbox', { name: /^Message / }).fill('Hi Ada!');
    await ben.page.keyboard.press('Enter');
    await expect
      .poll(() => messageTexts(ada.page))
      .toEqual(['Hello Ben, see https://example.com/docs?a=1 <b>not bold</b>', 'Hi Ada!']);
    await sendMessage(ada.page, 'Are you there?');
    await expect.poll(() => ada.page.locator('.message-seen').textContent()).toBe('Seen');
    await auditScreen(ada.page, 'conversation-direct');

    // Ben drops off the network. Ada sends several messages and edits an earlier one meanwhile.
    await ben.context.setOffline(true);
    await expect.poll(() => ben.page.getByText('You’re offline').isVisible()).toBe(true);
    for (const text of ['one', 'two', 'three', 'four']) await sendMessage(ada.page, text);
    await expect.poll(() => ada.page.locator('.message-pending').count()).toBe(0);
    const first = ada.page.locator('.message-list > li.message').first();
    await first.getByRole('button', { name: /^Edit/ }).click();
    const editor = first.getByRole('textbox', { name: 'Edit message' });
    await editor.fill('Hello Ben (edited while you were away)');
    await editor.press('Enter');
    await expect.poll(() => first.locator('.message-edited').count()).toBe(1);
    // Nothing arrived while offline.
    expect(await messageTexts(ben.page)).toHaveLength(3);

    await ben.context.setOffline(false);
    const expected = [
      'Hello Ben (edited while you were away)',
      'Hi Ada!',
      'Are you there?',
      'one',
      'two',
      'three',
      'four',
    ];
    await expect.poll(() => messageTexts(ben.page), { timeout: 20_000 }).toEqual(expected);
    expect(await ben.page.getByText('You’re offline').count()).toBe(0);
    // Each message exactly once, in seq order.
    const seqs = await ben.page.$$eval('.message-list > li.message', (items) =>
      items.map((item) => item.getAttribute('data-seq')),
    );
    expect(seqs).toEqual(['1', '2', '3', '4', '5', '6', '7']);
    // Live again: a new message still arrives.
    await sendMessage(ada.page, 'welcome back');
    await expect.poll(() => messageTexts(ben.page)).toEqual([...expected, 'welcome back']);
    // After a reload, the same list from the server.
    await ben.page.reload();
    await expectHeading(ben.page, adaUser.displayName);
    await expect.poll(() => messageTexts(ben.page)).toEqual([...expected, 'welcome back']);
  });

  it('a password reset elsewhere ends the session: the open conversation goes to sign-in by itself', async () => {
    const user = await createVerifiedUser(suite.stack, 'Barbara');
    const friend = await createVerifiedUser(suite.stack, 'Frances');
    const { page } = await suite.open();
    await signIn(page, user);
    await startDirectMessage(page, friend.email, friend.displayName);
    await sendMessage(page, 'About to be signed out');
    await expect.poll(() => page.locator('.message-pending').count()).toBe(0);

    // The reset happens in another browser, through the emailed link.
    const other = await suite.open();
    await other.page.goto('/forgot-password');
    await other.page.getByLabel('Email').fill(user.email);
    await other.page.getByRole('button', { name: 'Send reset link' }).click();
    const mail = await suite.stack.mail.waitFor(user.email, /Reset your Parley password/);
    await other.page.goto(linkIn(mail.text, 'reset-password'));
    await other.page.getByLabel('New password').fill('an entirely new passphrase');
    await other.page.getByRole('button', { name: 'Set new password' }).click();
    await expectHeading(other.page, 'Sign in to Parley');

    // No click needed: the socket hears session_revoked and the page moves to sign-in.
    await expectHeading(page, 'Sign in to Parley');
    await expectVisible(page.getByText('Your session ended'));
  });
});

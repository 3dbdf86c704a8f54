import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { auditScreen } from '../support/audit.js';
import {
  apiToken,
  createVerifiedUser,
  expectHeading,
  focused,
  listEntry,
  messageTexts,
  seedDirectConversation,
  sendMessage,
  signIn,
  startDirectMessage,
  tabTo,
} from '../support/parley.js';
import { makePng } from '../support/png.js';
import { browserSuite } from '../support/suite.js';

describe('message content', () => {
  // The history test seeds more messages through the API than one person may send in 10 s by default.
  const suite = browserSuite({ LIMIT_MESSAGES: '1000/10s' });

  it('sends by keyboard only, edits and deletes (the other side sees the tombstone), and round-trips an image', async () => {
    const adaUser = await createVerifiedUser(suite.stack, 'Grace');
    const benUser = await createVerifiedUser(suite.stack, 'Linus');
    const ada = await suite.open();
    const ben = await suite.open();
    await signIn(ada.page, adaUser);
    await signIn(ben.page, benUser);
    await startDirectMessage(ada.page, benUser.email, benUser.displayName);
    await sendMessage(ada.page, 'First message');
    await listEntry(ben.page, adaUser.displayName).click();
    await expect.poll(() => messageTexts(ben.page)).toEqual(['First message']);

    // Keyboard only: Tab to the conversation in the list, Enter, Tab to the composer, type, Enter sends;
    // Shift+Enter makes a new line.
    await ben.page.goto('/');
    await expectHeading(ben.page, 'Conversations');
    await tabTo(ben.page, new RegExp(`^a:${adaUser.displayName[0]}${adaUser.displayName}`));
    await ben.page.keyboard.press('Enter');
    await expectHeading(ben.page, adaUser.displayName);
    expect(await focused(ben.page)).toBe(`h1:${adaUser.displayName}`);
    await tabTo(ben.page, /^textarea:Message /);
    await ben.page.keyboard.type('Typed with the keyboard');
    await ben.page.keyboard.press('Shift+Enter');
    await ben.page.keyboard.type('on two lines');
    await ben.page.keyboard.press('Enter');
    await expect
      .poll(() => messageTexts(ada.page))
      .toEqual(['First message', 'Typed with the keyboard\non two lines']);
    expect(await ben.page.getByRole('textbox', { name: /^Message / }).inputValue()).toBe('');

    // Edit and delete own messages; the other side sees the new text, then the tombstone.
    await sendMessage(ada.page, 'A typo here');
    await expect.poll(() => messageTexts(ben.page)).toContain('A typo here');
    const mine = ada.page.locator('.message-list > li').last();
    await mine.getByRole('button', { name: /^Edit/ }).click();
    await mine.getByRole('textbox', { name: 'Edit message' }).fill('No typo here');
    await mine.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => messageTexts(ben.page)).toContain('No typo here');
    const theirs = ben.page.locator('.message-list > li').last();
    expect(await theirs.locator('.message-edited').textContent()).toContain('edited');
    // Ben cannot edit or delete Ada's message: he can only reply and react.
    expect(await theirs.getByRole('button', { name: /^(Edit|Delete)/ }).count()).toBe(0);
    expect(
      await theirs.getByRole('button').evaluateAll((buttons) => buttons.map((b) => b.textContent)),
    ).toEqual(
      expect.arrayContaining([expect.stringMatching(/^Reply to /), expect.stringMatching(/^React to /)]),
    );
    await mine.getByRole('button', { name: /^Delete/ }).click();
    await mine.getByRole('button', { name: 'Yes, delete' }).click();
    await expect
      .poll(() => messageTexts(ben.page))
      .toEqual(['First message', 'Typed with the keyboard\non two lines', 'Message deleted']);
    expect(await messageTexts(ada.page)).toEqual([
      'First message',
      'Typed with the keyboard\non two lines',
      'Message deleted',
    ]);
    expect(await listEntry(ben.page, adaUser.displayName).textContent()).toContain('Message deleted');

    // An image made by the test: upload with progress, the other side sees the preview and downloads the bytes.
    const dir = mkdtempSync(path.join(tmpdir(), 'parley-upload-'));
    const file = path.join(dir, 'sunset.png');
    const bytes = makePng(320, 200);
    writeFileSync(file, bytes);
    await ada.page.getByLabel('Attach files').setInputFiles(file);
    const upload = ada.page.locator('.upload', { hasText: 'sunset.png' });
    await expect.poll(() => upload.textContent()).toContain('Ready to send');
    await ada.page.getByRole('textbox', { name: /^Message / }).fill('Look at this');
    await ada.page.getByRole('button', { name: 'Send' }).click();
    const preview = ben.page.getByRole('img', { name: 'sunset.png' });
    await preview.waitFor();
    await expect.poll(() => preview.evaluate((image) => (image as HTMLImageElement).naturalWidth)).toBe(320);
    const [download] = await Promise.all([
      ben.page.waitForEvent('download'),
      ben.page.getByRole('link', { name: /Download sunset\.png/ }).click(),
    ]);
    expect(download.suggestedFilename()).toBe('sunset.png');
    const saved = await download.path();
    expect(Buffer.compare(readFileSync(saved), bytes)).toBe(0);
    await expect
      .poll(() =>
        ada.page
          .getByRole('img', { name: 'sunset.png' })
          .evaluate((i) => (i as HTMLImageElement).naturalWidth),
      )
      .toBe(320);
    await auditScreen(ada.page, 'conversation');

    // A file type the server refuses is explained in words.
    const script = path.join(dir, 'notes.html');
    writeFileSync(script, '<script>alert(1)</script>');
    await ada.page.getByLabel('Attach files').setInputFiles(script);
    await expect
      .poll(() => ada.page.locator('.upload', { hasText: 'notes.html' }).textContent())
      .toContain('can’t be attached');
  });

  it('scrolls up through history page by page, with every message once and in order', async () => {
    const adaUser = await createVerifiedUser(suite.stack, 'Hedy');
    const benUser = await createVerifiedUser(suite.stack, 'Alan');
    const conversation = await seedDirectConversation(suite.stack, adaUser, benUser);
    const total = 130;
    for (let index = 1; index <= total; index++) {
      const response = await conversation.post(`History ${index}`);
      expect(response.status).toBe(201);
    }
    // Ben has read it all (elsewhere): the conversation opens at the newest message, not the first unread.
    const read = await fetch(`${suite.stack.baseUrl}/api/conversations/${conversation.id}/read`, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        Authorization: `Bearer ${await apiToken(suite.stack, benUser)}`,
      },
      body: JSON.stringify({ seq: total }),
    });
    expect(read.status).toBeLessThan(300);

    const { page } = await suite.open();
    await signIn(page, benUser);
    await listEntry(page, adaUser.displayName).click();
    await expectHeading(page, adaUser.displayName);
    await expect.poll(() => messageTexts(page)).toHaveLength(50);
    // Scroll to the top until the start of the conversation shows.
    await expect
      .poll(
        async () => {
          await page.locator('.message-scroller').evaluate((element) => {
            element.scrollTop = 0;
          });
          return page.getByText('This is the beginning of the conversation.').count();
        },
        { timeout: 20_000 },
      )
      .toBe(1);
    expect(await messageTexts(page)).toEqual(Array.from({ length: total }, (_, i) => `History ${i + 1}`));
  });
});

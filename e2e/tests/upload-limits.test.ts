import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createVerifiedUser, signIn, startDirectMessage } from '../support/parley.js';
import { browserSuite } from '../support/suite.js';

describe('upload limits in the composer', () => {
  // Small limits so a test reaches them: 5,000 bytes stored per user, 3 upload requests per hour.
  const suite = browserSuite({ UPLOAD_QUOTA_BYTES: '5000', LIMIT_UPLOADS: '3/3600s' });

  it('shows on the failed upload that a file does not fit the quota, and that the upload limit was reached', async () => {
    const adaUser = await createVerifiedUser(suite.stack, 'Ida');
    const benUser = await createVerifiedUser(suite.stack, 'Ken');
    const { page } = await suite.open();
    await signIn(page, adaUser);
    await startDirectMessage(page, benUser.email, benUser.displayName);

    const dir = mkdtempSync(path.join(tmpdir(), 'parley-limits-'));
    const file = (name: string, size: number) => {
      const full = path.join(dir, name);
      writeFileSync(full, 'x'.repeat(size));
      return full;
    };
    const attach = (name: string, size: number) =>
      page.getByLabel('Attach files').setInputFiles(file(name, size));
    const state = (name: string) => page.locator('.upload', { hasText: name }).textContent();

    await attach('first.txt', 3000);
    await expect.poll(() => state('first.txt')).toContain('Ready to send');

    // 3,000 + 3,000 bytes would exceed the 5,000-byte quota.
    await attach('second.txt', 3000);
    await expect.poll(() => state('second.txt')).toContain('doesn’t fit in your storage');

    await attach('third.txt', 100);
    await expect.poll(() => state('third.txt')).toContain('Ready to send');

    // The fourth upload request within the hour is refused, with the wait in words.
    await attach('fourth.txt', 100);
    await expect.poll(() => state('fourth.txt')).toMatch(/Try again in (59|60) minutes/);

    // The failed ones can be removed and the rest sent.
    for (const name of ['second.txt', 'fourth.txt']) {
      await page.getByRole('button', { name: `Remove ${name}` }).click();
    }
    await page.getByRole('textbox', { name: /^Message / }).fill('Two files');
    await page.getByRole('button', { name: 'Send' }).click();
    await page.getByRole('link', { name: /Download third\.txt/ }).waitFor();
  });
});

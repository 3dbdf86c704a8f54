import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { launchBrowser, screenshot, watchPageProblems } from '../support/browser.js';

describe('the built app in Chromium', () => {
  let browser: Browser;
  const baseUrl = inject('baseUrl');

  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('loads under the strict CSP and shows that the server is ready', async () => {
    const page = await browser.newPage();
    const problems = watchPageProblems(page);
    const response = await page.goto(baseUrl);
    expect(response?.status()).toBe(200);
    expect(response?.headers()['content-security-policy']).toContain("script-src 'self'");
    await expect
      .poll(() => page.getByTestId('readiness').textContent(), { timeout: 10_000 })
      .toBe('Server and database are ready');
    expect(await page.title()).toBe('Parley');
    await screenshot(page, 'home');
    expect(problems).toEqual([]);
  });

  it('serves the SPA for a deep link', async () => {
    const page = await browser.newPage();
    const response = await page.goto(`${baseUrl}/some/deep/link`);
    expect(response?.status()).toBe(200);
    await expect.poll(() => page.getByTestId('readiness').isVisible()).toBe(true);
  });
});

import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import { launchBrowser, newContext, watchPageProblems } from './browser.js';
import { type Stack, startStack } from './stack.js';

export interface Suite {
  readonly stack: Stack;
  /** A fresh browser profile with a page whose console errors and CSP violations are checked after the test. */
  open(): Promise<{ context: BrowserContext; page: Page }>;
}

/**
 * Per test file: the real server with its SMTP capture, one Chromium, and for every page opened by a test
 * the assertion that it logged no console error or CSP violation.
 */
export function browserSuite(options: { env?: Record<string, string> } = {}): Suite {
  let stack: Stack | undefined;
  let browser: Browser | undefined;
  const opened: { context: BrowserContext; problems: string[] }[] = [];

  beforeAll(async () => {
    [stack, browser] = await Promise.all([startStack(options.env), launchBrowser()]);
  });
  afterEach(async () => {
    const contexts = opened.splice(0);
    await Promise.all(contexts.map(({ context }) => context.close()));
    expect(contexts.flatMap(({ problems }) => problems)).toEqual([]);
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  return {
    get stack() {
      if (!stack) throw new Error('stack not started');
      return stack;
    },
    async open() {
      if (!browser || !stack) throw new Error('suite not started');
      const context = await newContext(browser, stack.baseUrl);
      const page = await context.newPage();
      opened.push({ context, problems: watchPageProblems(page) });
      return { context, page };
    },
  };
}

import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import { launchBrowser, newContext, watchPageProblems } from './browser.js';
import { type Stack, startStack } from './stack.js';

export interface OpenOptions {
  /** The app's service worker is blocked unless a test is about it. */
  serviceWorkers?: 'allow' | 'block';
  /** Console messages the test causes on purpose (e.g. requests refused while it stops the server). */
  expectedConsole?: RegExp;
}

export interface Suite {
  readonly stack: Stack;
  /** A fresh browser profile with a page whose console errors and CSP violations are checked after the test. */
  open(options?: OpenOptions): Promise<{ context: BrowserContext; page: Page }>;
}

/**
 * Per test file: the real server with its SMTP capture, one Chromium, and for every page opened by a test
 * the assertion that it logged no console error or CSP violation. `env` is passed to the server.
 */
export function browserSuite(env: Readonly<Record<string, string>> = {}): Suite {
  let stack: Stack | undefined;
  let browser: Browser | undefined;
  const opened: { context: BrowserContext; problems: string[] }[] = [];

  beforeAll(async () => {
    [stack, browser] = await Promise.all([startStack(env), launchBrowser()]);
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
    async open(options = {}) {
      if (!browser || !stack) throw new Error('suite not started');
      const context = await newContext(browser, stack.baseUrl, options);
      const page = await context.newPage();
      opened.push({ context, problems: watchPageProblems(page, options.expectedConsole) });
      return { context, page };
    },
  };
}

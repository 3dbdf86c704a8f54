import type { Locator } from 'playwright-core';
import { expect } from 'vitest';

/**
 * How long a retrying assertion keeps sampling. Generous: the browser, the server and other test workers
 * share two cores, and a passing assertion returns at its first true sample anyway.
 */
export const EVENTUALLY_MS = 10_000;

/**
 * `@playwright/test`'s retrying `expect`, on vitest: samples until the matcher holds or EVENTUALLY_MS
 * pass. The UI changes asynchronously (renders, effects, socket events, lazy chunks): one sample right
 * after an action is timing luck, and so is vitest's 1 s default for `expect.poll`.
 *
 *   await eventually(() => focused(page)).toBe('h1:Conversations');
 */
export function eventually<T>(sample: () => T | Promise<T>, message?: string) {
  return expect.poll(sample, { timeout: EVENTUALLY_MS, interval: 50, ...(message ? { message } : {}) });
}

/**
 * Retrying assertions on one locator, named after `@playwright/test`'s. An absence (`toHaveCount(0)`,
 * `toBeHidden()`) only means something once the page shows it has rendered what it would be absent
 * from: assert something present first.
 */
export function expectLocator(locator: Locator) {
  return {
    toHaveCount: (count: number) => eventually(() => locator.count()).toBe(count),
    toHaveAttribute: (name: string, value: string) =>
      eventually(() => locator.getAttribute(name)).toBe(value),
    toContainText: (text: string) =>
      eventually(async () => (await locator.textContent()) ?? '').toContain(text),
    toBeHidden: () => eventually(() => locator.isVisible()).toBe(false),
  };
}

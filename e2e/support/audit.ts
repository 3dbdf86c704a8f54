import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';
import { expect } from 'vitest';
import { screenshot } from './browser.js';

const require = createRequire(import.meta.url);
let axeSource: string | undefined;

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: unknown[] }[];
}

/**
 * axe-core's `axe.min.js`, evaluated in the page. `page.addScriptTag` would insert an inline `<script>`,
 * which the app's CSP rightly blocks; evaluation through the DevTools protocol is not subject to the
 * page's CSP and changes nothing the app itself may do.
 */
async function runAxe(page: Page): Promise<string[]> {
  axeSource ??= readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(context: Document): Promise<{ violations: unknown[] }> } })
      .axe;
    return (await axe.run(document)).violations;
  });
  return (violations as AxeViolation[])
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map(
      (v) =>
        `${v.impact} ${v.id}: ${v.help} at ${v.nodes.map((node) => JSON.stringify(node.target)).join(', ')}`,
    );
}

const VIEWS = [
  { suffix: '1280', width: 1280, height: 800, colorScheme: 'light' },
  { suffix: '360', width: 360, height: 740, colorScheme: 'light' },
  { suffix: '1280-dark', width: 1280, height: 800, colorScheme: 'dark' },
] as const;

/**
 * Checks the current screen at desktop and phone widths and in dark mode: no serious or critical axe
 * violation, nothing wider than the viewport, and a screenshot of each into `e2e/screenshots/`.
 */
export async function auditScreen(page: Page, name: string): Promise<void> {
  for (const view of VIEWS) {
    await page.setViewportSize({ width: view.width, height: view.height });
    await page.emulateMedia({ colorScheme: view.colorScheme });
    expect(await runAxe(page), `${name} at ${view.suffix}`).toEqual([]);
    // Nothing sticks out sideways: the page fits a 360 px phone without horizontal scrolling.
    const overflowing = await page.evaluate(() =>
      [...document.querySelectorAll('body *')]
        .filter((element) => element.getBoundingClientRect().right > window.innerWidth + 0.5)
        .map((element) => `${element.tagName.toLowerCase()}.${element.className}`),
    );
    expect(overflowing, `${name} at ${view.suffix} is wider than the viewport`).toEqual([]);
    await screenshot(page, `${name}-${view.suffix}`);
  }
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.emulateMedia({ colorScheme: 'light' });
}

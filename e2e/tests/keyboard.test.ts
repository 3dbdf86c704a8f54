import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { auditScreen } from '../support/audit.js';
import { eventually, expectLocator } from '../support/eventually.js';
import { createVerifiedUser, expectHeading, expectVisible } from '../support/parley.js';
import { browserSuite } from '../support/suite.js';

/** What has keyboard focus, as a user would name it: its role and label or text. */
function focused(page: Page): Promise<string> {
  return page.evaluate(() => {
    const element = document.activeElement as HTMLElement | null;
    if (!element || element === document.body) return 'body';
    const label = element.id ? document.querySelector(`label[for="${element.id}"]`)?.textContent : undefined;
    return `${element.tagName.toLowerCase()}:${(label ?? element.textContent ?? '').trim()}`;
  });
}

/** Presses Tab (or Shift+Tab) and says where focus went; the focused element must show a visible focus indicator. */
async function tab(page: Page, key: 'Tab' | 'Shift+Tab' = 'Tab'): Promise<string> {
  await page.keyboard.press(key);
  const outline = await page.evaluate(() => {
    const element = document.activeElement;
    return element ? getComputedStyle(element).outlineStyle : 'none';
  });
  expect(outline, 'focus is visible').not.toBe('none');
  return focused(page);
}

describe('keyboard only', () => {
  const suite = browserSuite();

  it('signs in with Tab and Enter, then opens the user menu and signs out', async () => {
    const user = await createVerifiedUser(suite.stack, 'Tim');
    const { page } = await suite.open();
    await page.goto('/sign-in');
    await expectHeading(page, 'Sign in to Parley');

    expect(await tab(page)).toBe('a:Skip to content');
    expect(await tab(page)).toBe('a:Parley');
    expect(await tab(page)).toBe('input:Email');
    await page.keyboard.type(user.email);
    expect(await tab(page)).toBe('input:Password');
    await page.keyboard.type('wrong password, typed by keyboard');
    await page.keyboard.press('Enter');
    // The error summary takes focus; Tab leads back into the form through its link.
    await expectLocator(page.getByRole('alert')).toContainText('Email or password is incorrect');
    await eventually(() => focused(page)).toMatch(/^div:/);
    expect(await tab(page)).toBe('input:Email');
    expect(await tab(page)).toBe('input:Password');
    await page.keyboard.press('Control+A');
    await page.keyboard.type(user.password);
    expect(await tab(page)).toBe('button:Show password');
    await page.keyboard.press('Enter');
    await expectLocator(page.getByLabel('Password', { exact: true })).toHaveAttribute('type', 'text');
    expect(await tab(page)).toBe('button:Sign in');
    await page.keyboard.press('Enter');
    await expectHeading(page, 'Conversations');
    // Focus moves to the new page's heading (after it renders).
    await eventually(() => focused(page)).toBe('h1:Conversations');

    // From the heading, Tab reaches the page's first control; backwards: the user menu, the main
    // navigation, the brand, the skip link.
    expect(await tab(page)).toBe('a:+ New conversation');
    expect(await tab(page, 'Shift+Tab')).toMatch(/^button:.*account menu$/);
    expect(await tab(page, 'Shift+Tab')).toBe('a:Conversations');
    expect(await tab(page, 'Shift+Tab')).toBe('a:Parley');
    expect(await tab(page, 'Shift+Tab')).toBe('a:Skip to content');
    expect(await tab(page)).toBe('a:Parley');
    expect(await tab(page)).toBe('a:Conversations');
    expect(await tab(page)).toMatch(/^button:.*account menu$/);
    await page.keyboard.press('Enter');
    // Tab only once the menu is open: a press before it renders would go elsewhere.
    await expectVisible(page.getByRole('link', { name: 'Account settings' }));
    expect(await tab(page)).toBe('a:Account settings');
    expect(await tab(page)).toBe('a:Devices and sessions');
    expect(await tab(page)).toBe('button:Sign out');
    await page.keyboard.press('Enter');
    await expectHeading(page, 'Sign in to Parley');
    await expectVisible(page.getByText('You signed out.'));
  });

  it('closes the user menu with Escape and returns focus to its button', async () => {
    const user = await createVerifiedUser(suite.stack, 'Vint');
    const { page } = await suite.open();
    await page.goto('/sign-in');
    await page.getByLabel('Email').fill(user.email);
    await page.getByLabel('Password', { exact: true }).fill(user.password);
    await page.keyboard.press('Enter');
    await expectHeading(page, 'Conversations');
    const menuButton = page.getByRole('button', { name: /account menu/ });
    await menuButton.focus();
    await page.keyboard.press('Enter');
    await expectLocator(menuButton).toHaveAttribute('aria-expanded', 'true');
    await expectVisible(page.getByRole('link', { name: 'Account settings' }));
    await auditScreen(page, 'user-menu-open');
    await menuButton.focus();
    await page.keyboard.press('Escape');
    await expectLocator(menuButton).toHaveAttribute('aria-expanded', 'false');
    // The menu was shown above, so its absence now is the Escape's doing.
    await expectLocator(page.getByRole('link', { name: 'Account settings' })).toBeHidden();
    await eventually(() => focused(page)).toMatch(/account menu$/);
  });
});

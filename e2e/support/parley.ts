import { randomUUID } from 'node:crypto';
import type { Locator, Page } from 'playwright-core';
import { expect } from 'vitest';
import { eventually } from './eventually.js';
import type { Stack } from './stack.js';

/** What these helpers use of a running app: its address and its mailbox (one server or a topology). */
type StackLike = Pick<Stack, 'baseUrl' | 'mail'>;

export interface TestUser {
  email: string;
  password: string;
  displayName: string;
}

/** A user nobody else in the run has: tests never share accounts. */
export function newUser(name: string): TestUser {
  const id = randomUUID().slice(0, 8);
  return {
    email: `${name.toLowerCase()}-${id}@example.test`,
    password: `correct horse ${id} battery`,
    displayName: `${name} ${id.slice(0, 4)}`,
  };
}

/** The link of the given page (`verify-email`, `reset-password`) in an email's text part. */
export function linkIn(text: string, pagePath: string): string {
  const match = new RegExp(`https?://\\S+/${pagePath}\\?token=[^\\s]+`).exec(text);
  if (!match) throw new Error(`no /${pagePath} link in:\n${text}`);
  return match[0];
}

/**
 * Registers and verifies a user through the HTTP API and the emailed link, for tests whose subject is not
 * sign-up itself (sign-up through the UI is covered by its own test).
 */
export async function createVerifiedUser(stack: StackLike, name: string): Promise<TestUser> {
  const user = newUser(name);
  const post = (path: string, body: unknown) =>
    fetch(`${stack.baseUrl}/api${path}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
  expect((await post('/auth/register', user)).status).toBe(202);
  const mail = await stack.mail.waitFor(user.email, /Confirm your email/);
  const token = new URL(linkIn(mail.text, 'verify-email')).searchParams.get('token');
  expect((await post('/auth/verify-email', { token, password: user.password })).status).toBe(200);
  return user;
}

/** Fills in and submits the sign-in page, without waiting for where it leads (a second step, Settings). */
export async function submitSignIn(page: Page, user: Pick<TestUser, 'email' | 'password'>): Promise<void> {
  await page.goto('/sign-in');
  await page.getByLabel('Email').fill(user.email);
  await page.getByLabel('Password', { exact: true }).fill(user.password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
}

/** Signs in through the sign-in page and waits for the signed-in home. */
export async function signIn(page: Page, user: Pick<TestUser, 'email' | 'password'>): Promise<void> {
  await submitSignIn(page, user);
  await page.getByRole('heading', { level: 1, name: 'Conversations' }).waitFor();
}

/** The page's h1 text once it matches, for asserting where a navigation ended up. */
export async function expectHeading(page: Page, name: string | RegExp): Promise<void> {
  await page.getByRole('heading', { level: 1, name }).waitFor();
}

/**
 * Waits until an element is visible (fails after Playwright's timeout). UI that arrives asynchronously
 * (lazy chunks, fetches, socket events) must be awaited, never sampled once with isVisible().
 */
export async function expectVisible(locator: Locator): Promise<void> {
  await locator.waitFor({ state: 'visible' });
}

/**
 * Opens an emailed verification link and types the password of the sign-up, which confirms the address
 * and signs in; waits for the signed-in home.
 */
export async function confirmThroughLink(page: Page, link: string, password: string): Promise<void> {
  await page.goto(link);
  await expectHeading(page, 'Confirm your email');
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Confirm and sign in' }).click();
  await expectHeading(page, 'Conversations');
}

/** Signs up through the sign-up page, confirms through the link in the email received, and signs in. */
export async function signUpThroughEmail(page: Page, stack: StackLike, name: string): Promise<TestUser> {
  const user = newUser(name);
  await page.goto('/sign-up');
  await page.getByLabel('Display name').fill(user.displayName);
  await page.getByLabel('Email').fill(user.email);
  await page.getByLabel('Password', { exact: true }).fill(user.password);
  await page.getByRole('button', { name: 'Create account' }).click();
  await expectHeading(page, 'Check your email');
  const mail = await stack.mail.waitFor(user.email, /Confirm your email/);
  await confirmThroughLink(page, linkIn(mail.text, 'verify-email'), user.password);
  return user;
}

/** Signs in through the API and returns the session token, for seeding data quickly. */
export async function apiToken(
  stack: StackLike,
  user: Pick<TestUser, 'email' | 'password'>,
): Promise<string> {
  const response = await fetch(`${stack.baseUrl}/api/auth/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ email: user.email, password: user.password }),
  });
  expect(response.status).toBe(200);
  return ((await response.json()) as { token: string }).token;
}

/**
 * A direct conversation `from` starts with `to` through the API, for seeding a history quickly. `post`
 * sends a message in it as `from` and returns the API's response (201 when it is stored).
 */
export async function seedDirectConversation(
  stack: StackLike,
  from: Pick<TestUser, 'email' | 'password'>,
  to: Pick<TestUser, 'email'>,
): Promise<{ id: string; post(body: string): Promise<Response> }> {
  const headers = {
    'Content-Type': 'application/json',
    Authorization: `Bearer ${await apiToken(stack, from)}`,
  };
  const lookup = await fetch(`${stack.baseUrl}/api/users/lookup?email=${encodeURIComponent(to.email)}`, {
    headers,
  });
  const other = (await lookup.json()) as { id: string };
  const created = await fetch(`${stack.baseUrl}/api/conversations`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ type: 'direct', memberIds: [other.id] }),
  });
  const { id } = (await created.json()) as { id: string };
  return {
    id,
    post: (body) =>
      fetch(`${stack.baseUrl}/api/conversations/${id}/messages`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ clientId: randomUUID(), body }),
      }),
  };
}

/**
 * Texts of the messages shown in the open conversation, top to bottom (deleted ones as their tombstone;
 * timeline lines, date separators and the "New messages" divider left out).
 */
export function messageTexts(page: Page): Promise<string[]> {
  return page.evaluate(() =>
    [
      ...document.querySelectorAll(
        '.message-list > li:not(.system-line):not(.timeline-day):not(.unread-divider)',
      ),
    ].map((item) => {
      const body = item.querySelector('.message-body, .message-tombstone');
      return body?.textContent ?? '';
    }),
  );
}

/** Starts a direct message with `email` from the signed-in home; waits for the conversation's heading. */
export async function startDirectMessage(page: Page, email: string, theirName: string): Promise<void> {
  await page.getByRole('link', { name: 'New conversation' }).click();
  await expectHeading(page, 'New conversation');
  await page.getByLabel('Their email address').fill(email);
  await page.getByRole('button', { name: 'Start conversation' }).click();
  await expectHeading(page, theirName);
}

/** Types a message into the composer and sends it with Enter. */
export async function sendMessage(page: Page, text: string): Promise<void> {
  const composer = page.getByRole('textbox', { name: /^Message / });
  await composer.fill(text);
  await composer.press('Enter');
}

/** The conversation's entry in the list, found by the other person's or the group's name. */
export function listEntry(page: Page, name: string) {
  return page.locator('.conversation-link', { hasText: name });
}

/** What has keyboard focus: tag and label (or text). */
export function focused(page: Page): Promise<string> {
  return page.evaluate(() => {
    const element = document.activeElement as HTMLElement | null;
    if (!element || element === document.body) return 'body';
    const label = element.id ? document.querySelector(`label[for="${element.id}"]`)?.textContent : undefined;
    return `${element.tagName.toLowerCase()}:${(label ?? element.textContent ?? '').trim()}`;
  });
}

/** Presses Tab until focus matches `target` (at most 30 presses): keyboard-only navigation. */
export async function tabTo(page: Page, target: RegExp): Promise<void> {
  for (let presses = 0; presses < 30; presses++) {
    await page.keyboard.press('Tab');
    if (target.test(await focused(page))) return;
  }
  throw new Error(`Tab never reached ${target}; focus is on ${await focused(page)}`);
}

/**
 * Waits until the session's sign-in no longer counts as recent (a suite with a short REAUTH_MAX_AGE),
 * asking the API rather than the clock: ending a session that does not exist answers 404 while the
 * sign-in is recent and 403 `reauthentication_required` after, and changes nothing either way.
 */
export async function waitForReauthNeeded(page: Page): Promise<void> {
  await eventually(
    () =>
      page.evaluate(async () => {
        const response = await fetch('/api/sessions/not-a-session-of-anyone', { method: 'DELETE' });
        return response.status;
      }),
    'the sign-in should stop counting as recent',
  ).toBe(403);
}

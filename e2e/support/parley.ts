import { randomUUID } from 'node:crypto';
import type { Page } from 'playwright-core';
import { expect } from 'vitest';
import type { Stack } from './stack.js';

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
export async function createVerifiedUser(stack: Stack, name: string): Promise<TestUser> {
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
  expect((await post('/auth/verify-email', { token })).status).toBe(200);
  return user;
}

/** Signs in through the sign-in page and waits for the signed-in home. */
export async function signIn(page: Page, user: Pick<TestUser, 'email' | 'password'>): Promise<void> {
  await page.goto('/sign-in');
  await page.getByLabel('Email').fill(user.email);
  await page.getByLabel('Password', { exact: true }).fill(user.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { level: 1, name: 'Conversations' }).waitFor();
}

/** The page's h1 text once it matches, for asserting where a navigation ended up. */
export async function expectHeading(page: Page, name: string | RegExp): Promise<void> {
  await page.getByRole('heading', { level: 1, name }).waitFor();
}

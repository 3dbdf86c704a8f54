import { describe, expect, it } from 'vitest';
import { createVerifiedUser, expectHeading, expectVisible, signIn } from '../support/parley.js';
import { browserSuite } from '../support/suite.js';

/** The bugs of issue 13, each shown fixed in the browser. The server runs with the default limits. */
describe('conversation bugs of issue 13', () => {
  const suite = browserSuite();

  it('signs in 12 times in a row without the rate-limit message (only failures count)', async () => {
    const user = await createVerifiedUser(suite.stack, 'Frequent');
    const { page } = await suite.open();
    // LIMIT_LOGIN_ACCOUNT_IP is 10 per 15 minutes by default: more sign-ins than that all go through.
    for (let round = 1; round <= 12; round += 1) {
      await signIn(page, user);
      await page.getByRole('button', { name: /account menu/ }).click();
      await page.getByRole('button', { name: 'Sign out' }).click();
      await expectHeading(page, 'Sign in to Parley');
    }
    expect(await page.getByText(/Too many attempts/).count()).toBe(0);

    // Failures still count: after 10 wrong passwords the 11th attempt is refused, even the right one.
    const attempt = async (password: string) => {
      await page.getByLabel('Email').fill(user.email);
      await page.getByLabel('Password', { exact: true }).fill(password);
      const [response] = await Promise.all([
        page.waitForResponse((r) => new URL(r.url()).pathname === '/api/auth/login'),
        page.getByRole('button', { name: 'Sign in' }).click(),
      ]);
      return response.status();
    };
    const statuses: number[] = [];
    for (let index = 1; index <= 10; index += 1) statuses.push(await attempt(`not the password ${index}`));
    expect(statuses).toEqual(Array(10).fill(401));
    expect(await attempt(user.password)).toBe(429);
    await expectVisible(page.getByRole('alert').filter({ hasText: /Too many attempts/ }));
  });
});

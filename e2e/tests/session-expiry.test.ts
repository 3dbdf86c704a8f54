import type { WebSocket as PageSocket } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import {
  apiToken,
  createVerifiedUser,
  expectHeading,
  messageTexts,
  sendMessage,
  signIn,
  startDirectMessage,
} from '../support/parley.js';
import { browserSuite } from '../support/suite.js';

/** Session tokens live 20 s here (24 h in production), and the server re-checks sockets every 0.5 s. */
const TOKEN_TTL_SECONDS = 20;

describe('a socket whose token expires', () => {
  const suite = browserSuite({
    SESSION_TOKEN_TTL_SECONDS: String(TOKEN_TTL_SECONDS),
    WS_HEARTBEAT_MS: '500',
  });

  it('gets session_expired (4002), refreshes the session, reconnects and resumes without losing a message', async () => {
    const { stack } = suite;
    const ada = await createVerifiedUser(stack, 'Ada');
    const ben = await createVerifiedUser(stack, 'Ben');
    const { context, page } = await suite.open();

    // Every WebSocket the page opens, and the moment the server says the token expired.
    const sockets: PageSocket[] = [];
    let expired = false;
    let socketExpiresAt = 0;
    page.on('websocket', (socket) => {
      sockets.push(socket);
      socket.on('framereceived', ({ payload }) => {
        const frame = JSON.parse(String(payload)) as { type: string; expiresAt?: string };
        if (frame.type === 'ready') socketExpiresAt = Date.parse(frame.expiresAt ?? '');
        if (frame.type === 'session_expired') expired = true;
      });
    });
    // Hold the refresh that follows 4002 until Ben has sent a message: it lands while Ada is between
    // sockets, so only `resume` can bring it.
    let refreshing: () => void = () => undefined;
    const refreshStarted = new Promise<void>((resolve) => {
      refreshing = resolve;
    });
    let sent: () => void = () => undefined;
    const benSent = new Promise<void>((resolve) => {
      sent = resolve;
    });
    let held = false;
    let refreshes = 0;
    await page.route('**/api/me', async (route) => {
      refreshes += 1;
      if (expired && !held) {
        held = true;
        refreshing();
        await benSent;
      }
      await route.continue();
    });

    await signIn(page, ada);
    await startDirectMessage(page, ben.email, ben.displayName);
    await sendMessage(page, 'Hello Ben');
    await expect.poll(() => messageTexts(page)).toEqual(['Hello Ben']);
    const conversationId = new URL(page.url()).pathname.split('/').at(-1);
    const refreshesBefore = refreshes;

    // The token Ada's socket connected with runs out; the server says so and closes the socket.
    await expect.poll(() => expired, { timeout: (TOKEN_TTL_SECONDS + 15) * 1000, interval: 200 }).toBe(true);
    await refreshStarted;
    const socketsBefore = sockets.length;
    // While the socket was open and nothing else called the API, the page refreshed its session, so
    // the cookie it reconnects with outlives the token the socket had.
    expect(refreshes - 1).toBeGreaterThan(refreshesBefore);
    const cookie = (await context.cookies()).find((c) => c.name === 'parley_session');
    expect((cookie?.expires ?? 0) * 1000).toBeGreaterThan(socketExpiresAt);
    const benToken = await apiToken(stack, ben);
    const response = await fetch(`${stack.baseUrl}/api/conversations/${conversationId}/messages`, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        Authorization: `Bearer ${benToken}`,
        Origin: stack.baseUrl,
      },
      body: JSON.stringify({ clientId: crypto.randomUUID(), body: 'Sent while your socket was away' }),
    });
    expect(response.status).toBe(201);
    sent();

    // Still signed in, on a new socket, with the message that arrived in between, exactly once.
    await expect
      .poll(() => messageTexts(page), { timeout: 15_000 })
      .toEqual(['Hello Ben', 'Sent while your socket was away']);
    // One new socket replaced the expired one.
    expect(sockets).toHaveLength(socketsBefore + 1);
    expect(sockets.at(-2)?.isClosed()).toBe(true);
    await expectHeading(page, ben.displayName);
    await sendMessage(page, 'Back, live');
    await expect.poll(() => page.locator('.message-pending').count()).toBe(0);
    expect(await messageTexts(page)).toEqual(['Hello Ben', 'Sent while your socket was away', 'Back, live']);
  }, 120_000);
});

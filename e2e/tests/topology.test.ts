import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { RowDataPacket } from 'mysql2/promise';
import { describe, expect, it } from 'vitest';
import type { ParleyInstance } from '../../scripts/services/topology.js';
import {
  expectHeading,
  listEntry,
  messageTexts,
  sendMessage,
  signIn,
  signUpThroughEmail,
  startDirectMessage,
  type TestUser,
} from '../support/parley.js';
import { makePng } from '../support/png.js';
import {
  type OpenedPage,
  type TopologySuite,
  type TrackedSocket,
  tolerateCrash,
  topologySuite,
} from '../support/topology.js';

/**
 * The production shape on one machine: every request goes https → nginx (the ALB stand-in) → one of two
 * Parley instances → MariaDB over TLS, Redis, s3rver, SMTP. See docs/operations.md, "Production shape
 * locally".
 */
describe('production topology: nginx with TLS in front of two instances', () => {
  const suite = topologySuite();

  it('two people sign up over https and exchange a first message and a picture; cookies, HSTS and client IPs are right', async () => {
    const { topology, client } = suite;
    const ada = await suite.open();
    const ben = await suite.open();

    const home = await ada.page.goto('/');
    const headers = (await home?.allHeaders()) ?? {};
    expect(headers['strict-transport-security']).toBe('max-age=31536000; includeSubDomains');
    expect(topology.instances.map((i) => i.upstream)).toContain(headers['x-parley-upstream']);
    // Trusted for real (no certificate error bypass): only a valid chain makes a secure context.
    expect(await ada.page.evaluate(() => window.isSecureContext)).toBe(true);

    const adaUser = await signUpThroughEmail(ada.page, topology, 'Ada');
    const benUser = await signUpThroughEmail(ben.page, topology, 'Ben');

    // The session cookie carries the __Host- prefix, which Chromium accepts only when Secure, Path=/ and
    // without Domain: over https the browser kept it, so all three hold.
    const cookies = await ada.context.cookies();
    expect(cookies.length).toBeGreaterThan(0);
    for (const cookie of cookies) expect(cookie.name).toMatch(/^__Host-/);
    expect(cookies.find((cookie) => cookie.name === '__Host-parley_session')).toMatchObject({
      secure: true,
      httpOnly: true,
      path: '/',
      sameSite: 'Lax',
    });

    await startDirectMessage(ada.page, benUser.email, benUser.displayName);
    await sendMessage(ada.page, 'Hello Ben, through the proxy over TLS');
    const entry = listEntry(ben.page, adaUser.displayName);
    await eventually(() => entry.textContent()).toContain('Hello Ben, through the proxy');
    await entry.click();
    await expectHeading(ben.page, adaUser.displayName);
    await eventually(() => messageTexts(ben.page)).toEqual(['Hello Ben, through the proxy over TLS']);

    // A picture back: uploaded through nginx into s3rver, served to the other person (maybe by the other
    // instance) with the same bytes.
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'parley-upload-')), 'harbour.png');
    writeFileSync(file, makePng(240, 160));
    await ben.page.getByLabel('Attach files').setInputFiles(file);
    await eventually(() => ben.page.locator('.upload', { hasText: 'harbour.png' }).textContent()).toContain(
      'Ready to send',
    );
    await ben.page.getByRole('textbox', { name: /^Message / }).fill('The harbour');
    await ben.page.getByRole('button', { name: 'Send' }).click();
    const picture = ada.page.getByRole('img', { name: 'harbour.png' });
    await picture.waitFor();
    await eventually(() => picture.evaluate((image) => (image as HTMLImageElement).naturalWidth)).toBe(240);
    const keys = await topology.s3.listObjectKeys();
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatch(/^attachments\//);

    // TRUST_PROXY names nginx's address (127.0.0.2) only: the instances record the browser's address
    // (127.0.0.1) from X-Forwarded-For, not nginx's, for the session and the audit trail.
    expect(topology.proxyAddress).toBe('127.0.0.2');
    const ips = async (user: TestUser, table: 'sessions' | 'auth_events') =>
      (
        await client.query<RowDataPacket & { ip: string }>(
          `select t.ip from ${table} t join users u on u.id = t.user_id where u.email = ? order by t.created_at`,
          [user.email],
        )
      ).map((row) => row.ip);
    expect(await ips(adaUser, 'sessions')).toEqual(['127.0.0.1']);
    const events = await ips(adaUser, 'auth_events');
    expect(events.length).toBeGreaterThan(0);
    expect(new Set(events)).toEqual(new Set(['127.0.0.1']));

    // A client on another address that forges X-Forwarded-For: nginx appends the address it really saw,
    // and only that hop is believed.
    const login = await client.request('POST', '/api/auth/login', {
      body: { email: benUser.email, password: benUser.password },
      headers: { 'X-Forwarded-For': '203.0.113.7' },
      localAddress: '127.0.0.9',
    });
    expect(login.status).toBe(200);
    expect(await ips(benUser, 'sessions')).toEqual(['127.0.0.1', '127.0.0.9']);
  });

  it('WebSockets through the proxy: two people on different instances get each other’s messages live', async () => {
    const { ada, ben } = await chatPair(suite, 'Grace', 'Alan');
    const [adaSocket, benSocket] = await onDifferentInstances(suite, ada, ben);
    const opened = [ada.sockets.sockets.length, ben.sockets.sockets.length];

    await sendMessage(ada.page, 'Sent to instance one, shown by instance two');
    await eventually(() => messageTexts(ben.page)).toEqual([
      'Hi',
      'Sent to instance one, shown by instance two',
    ]);
    await sendMessage(ben.page, 'And back the other way');
    await eventually(() => messageTexts(ada.page)).toEqual([
      'Hi',
      'Sent to instance one, shown by instance two',
      'And back the other way',
    ]);

    // Delivered as frames on the sockets each instance holds (fanned out through Redis), not re-fetched,
    // and no socket was replaced meanwhile.
    expect(framesWith(benSocket, 'Sent to instance one, shown by instance two')).toBeGreaterThan(0);
    expect(framesWith(adaSocket, 'And back the other way')).toBeGreaterThan(0);
    expect([ada.sockets.sockets.length, ben.sockets.sockets.length]).toEqual(opened);
  });

  it('an instance killed with SIGKILL: its client reconnects to the other, nothing is lost, doubled or reordered', async () => {
    const { topology } = suite;
    const { ada, ben } = await chatPair(suite, 'Edsger', 'Barbara');
    const [adaSocket] = await onDifferentInstances(suite, ada, ben);
    const victim = instanceOf(suite, adaSocket);
    const survivor = topology.instances.find((instance) => instance !== victim) as ParleyInstance;

    try {
      const before = ada.sockets.sockets.length;
      const benBefore = ben.sockets.sockets.length;
      // Sent just before the crash: stored or not, acknowledged or not, nobody knows yet.
      await sendMessage(ada.page, 'k1');
      await sendMessage(ada.page, 'k2');
      const killedAt = Date.now();
      await victim.kill();
      expect(victim.running).toBe(false);
      // Typed after it: into a socket that is dead (the browser may not know yet) or reconnecting. The
      // outbox keeps each until acknowledged and re-sends it with the same clientId once live again.
      for (const text of ['k3', 'k4', 'k5']) await sendMessage(ada.page, text);

      const reconnected = await ada.sockets.waitLive({ after: before, timeoutMs: 45_000 });
      expect(reconnected.upstream).toBe(survivor.upstream);
      const adaSent = ['Hi', 'k1', 'k2', 'k3', 'k4', 'k5'];
      await expectConversation([ada, ben], adaSent);

      for (const text of ['b1', 'b2', 'b3']) await sendMessage(ben.page, text);
      await expectConversation([ada, ben], [...adaSent, 'b1', 'b2', 'b3']);
      // Ben's socket, on the survivor, never noticed.
      expect(ben.sockets.sockets.length).toBe(benBefore);
      const tolerated = tolerateCrash([ada, ben], killedAt);
      if (tolerated.length > 0)
        console.info(`answers lost with the killed instance: ${tolerated.join('; ')}`);
    } finally {
      await victim.start();
    }
  }, 120_000);

  it('a rolling restart of both instances: every message sent meanwhile is shown once, in order, on both sides', async () => {
    const { topology } = suite;
    for (const instance of topology.instances) await instance.start();
    const { ada, ben } = await chatPair(suite, 'Frances', 'John');
    await onDifferentInstances(suite, ada, ben);
    const opened = [ada.sockets.sockets.length, ben.sockets.sockets.length];

    const restart = topology.rollingRestart();
    let restarted = false;
    let failure: unknown;
    restart.then(
      () => {
        restarted = true;
      },
      (error: unknown) => {
        restarted = true;
        failure = error;
      },
    );
    // Bursts from one side then the other, each acknowledged before the next: the order on screen is
    // then fully determined, while the sends land on instances being drained, stopped and started.
    const expected = ['Hi'];
    for (let round = 0; !restarted || round < 3; round++) {
      if (round >= 60) throw new Error('the rolling restart did not finish within 60 rounds of messages');
      for (const text of [`r${round} ada 1`, `r${round} ada 2`]) {
        await sendMessage(ada.page, text);
        expected.push(text);
      }
      await eventually(() => ada.page.locator('.message-pending').count(), 45_000).toBe(0);
      await sendMessage(ben.page, `r${round} ben`);
      expected.push(`r${round} ben`);
      await eventually(() => ben.page.locator('.message-pending').count(), 45_000).toBe(0);
    }
    await restart;
    expect(failure).toBeUndefined();
    await expectConversation([ada, ben], expected);

    // Both instances were replaced, so both sockets had to move at least once.
    expect(topology.instances.every((instance) => instance.running)).toBe(true);
    expect(ada.sockets.sockets.length).toBeGreaterThan(opened[0] as number);
    expect(ben.sockets.sockets.length).toBeGreaterThan(opened[1] as number);
  }, 120_000);
});

/**
 * `expect.poll` with room for a loaded two-core machine (its default gives up after one second): live
 * delivery is awaited as a condition, never timed.
 */
function eventually<T>(read: () => T | Promise<T>, timeout = 20_000) {
  return expect.poll(read, { timeout });
}

/** Two verified users signed in in their own browsers, in a direct conversation both have open. */
async function chatPair(suite: TopologySuite, first: string, second: string) {
  const [adaUser, benUser] = [
    await suite.client.verifiedUser(first),
    await suite.client.verifiedUser(second),
  ];
  const ada = await suite.open();
  const ben = await suite.open();
  await signIn(ada.page, adaUser);
  await signIn(ben.page, benUser);
  await startDirectMessage(ada.page, benUser.email, benUser.displayName);
  await sendMessage(ada.page, 'Hi');
  const entry = listEntry(ben.page, adaUser.displayName);
  await entry.waitFor();
  await entry.click();
  await expectHeading(ben.page, adaUser.displayName);
  await eventually(() => messageTexts(ben.page)).toEqual(['Hi']);
  return { ada, ben, adaUser, benUser };
}

/**
 * Waits for both pages' sockets to be live and, if nginx put them on the same instance, reloads the
 * second page: WebSocket upgrades have their own round robin in nginx, so its next socket lands on the
 * other instance (a few tries allowed for sockets opened meanwhile).
 */
async function onDifferentInstances(
  suite: TopologySuite,
  ada: OpenedPage,
  ben: OpenedPage,
): Promise<[TrackedSocket, TrackedSocket]> {
  const adaSocket = await ada.sockets.waitLive();
  let benSocket = await ben.sockets.waitLive();
  for (let attempt = 0; benSocket.upstream === adaSocket.upstream; attempt++) {
    if (attempt >= 4) throw new Error(`both sockets stay on ${adaSocket.upstream}`);
    const before = ben.sockets.sockets.length;
    await ben.page.reload();
    benSocket = await ben.sockets.waitLive({ after: before });
  }
  const upstreams = suite.topology.instances.map((instance) => instance.upstream);
  expect(upstreams).toContain(adaSocket.upstream);
  expect(upstreams).toContain(benSocket.upstream);
  expect(ada.sockets.sockets.at(-1)).toBe(adaSocket);
  return [adaSocket, benSocket];
}

function instanceOf(suite: TopologySuite, socket: TrackedSocket): ParleyInstance {
  const instance = suite.topology.instances.find((i) => i.upstream === socket.upstream);
  if (!instance) throw new Error(`no instance at ${socket.upstream}`);
  return instance;
}

function framesWith(socket: TrackedSocket, text: string): number {
  return socket.received.filter((payload) => payload.includes(JSON.stringify(text))).length;
}

/**
 * Both pages end up showing exactly `expected`, in order, each message once (consecutive seq from 1),
 * with nothing left "Sending…" or "Not sent".
 */
async function expectConversation(pages: OpenedPage[], expected: string[]): Promise<void> {
  for (const { page } of pages) {
    // Unacknowledged sends are listed too (as "Sending…" or "Not sent"): settled means none is left.
    const shown = async () => ({
      texts: await messageTexts(page),
      unsettled: await page.locator('.message-pending').count(),
    });
    await eventually(shown, 45_000).toEqual({ texts: expected, unsettled: 0 });
    const seqs = await page.$$eval('.message-list > li.message', (items) =>
      items.map((item) => Number(item.getAttribute('data-seq'))),
    );
    expect(seqs).toEqual(expected.map((_, index) => index + 1));
  }
}

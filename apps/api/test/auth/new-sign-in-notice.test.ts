import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SmtpCapture, startSmtpCapture } from '../../../../scripts/services/smtp-capture.js';
import { networkOf, userAgentFamily } from '../../src/modules/auth/devices/device.js';
import { buildTestApp, platformOf } from '../helpers/app.js';
import { call, GOOD_PASSWORD, sessionFrom, signUp, TestClock } from '../helpers/auth.js';
import { createTestDatabase, DB_KINDS, type TestDatabase } from '../helpers/database.js';
import { enrolTotp, nextTotp } from '../helpers/mfa.js';

const FIREFOX_LINUX = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0';
const FIREFOX_LINUX_NEWER = 'Mozilla/5.0 (X11; Linux x86_64; rv:131.0) Gecko/20100101 Firefox/131.0';
const CHROME_WINDOWS =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36';
const SAFARI_MAC =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15';
const HOUR = 3600 * 1000;

describe('devices', () => {
  it('are a user agent family (no versions) and a /24 or /64 network', () => {
    expect(userAgentFamily(FIREFOX_LINUX)).toBe('Firefox on Linux');
    expect(userAgentFamily(CHROME_WINDOWS)).toBe('Chrome on Windows');
    expect(userAgentFamily(SAFARI_MAC)).toBe('Safari on macOS');
    expect(userAgentFamily('curl/8.5.0')).toBe('curl');
    expect(userAgentFamily(undefined)).toBe('Unknown device');
    expect(networkOf('198.51.100.7')).toBe('198.51.100.0/24');
    expect(networkOf('::ffff:198.51.100.7')).toBe('198.51.100.0/24');
    expect(networkOf('2001:db8:1:2:aaaa::5')).toBe('2001:db8:1:2::/64');
  });
});

describe.each(DB_KINDS)('new sign-in notice on %s', (kind) => {
  let smtp: SmtpCapture;
  let testDb: TestDatabase;
  let app: FastifyInstance;
  const clock = new TestClock();

  beforeAll(async () => {
    smtp = await startSmtpCapture();
    testDb = await createTestDatabase(kind, {
      env: {
        SMTP_URL: smtp.url,
        PUBLIC_URL: 'http://parley.test:8080',
        MAIL_NOTICE_INTERVAL_SECONDS: '3600',
        NEW_DEVICE_WINDOW: '2h',
      },
    });
    app = await buildTestApp(testDb, { now: clock.now });
  });
  afterAll(async () => {
    await app?.close();
    await testDb?.cleanup();
    await smtp?.stop();
  });

  const signIn = async (email: string, userAgent: string, ip: string) =>
    sessionFrom(
      await call(app, 'POST', '/api/auth/login', {
        body: { email, password: GOOD_PASSWORD },
        headers: { 'user-agent': userAgent, 'x-forwarded-for': ip },
      }),
    );
  const notices = async (email: string) => {
    await platformOf(app).mail.drain();
    return smtp.messages.filter((m) => m.to.includes(email) && /New sign-in/.test(m.subject));
  };

  it('is sent once for a new browser or network, never for a known one, at most once per interval', async () => {
    // signUp signs in once (no user agent, a random address): the account's first device, no notice.
    const user = await signUp(app, smtp);
    expect(await notices(user.email)).toHaveLength(0);

    await signIn(user.email, FIREFOX_LINUX, '198.51.100.7');
    const [notice, ...more] = await notices(user.email);
    expect(more).toEqual([]);
    expect(notice?.text).toContain('Firefox on Linux');
    expect(notice?.text).toContain('198.51.100.7');
    expect(notice?.text).toContain('http://parley.test:8080/settings/sessions');
    expect(notice?.html).toContain('href="http://parley.test:8080/settings/sessions"');

    // The same browser family (an update changes only the version) on the same /24: known.
    await signIn(user.email, FIREFOX_LINUX_NEWER, '198.51.100.99');
    await signIn(user.email, FIREFOX_LINUX, '198.51.100.7');
    expect(await notices(user.email)).toHaveLength(1);

    // Another new device within the notice interval: remembered, but no second email (no mail-bombing).
    await signIn(user.email, CHROME_WINDOWS, '203.0.113.5');
    expect(await notices(user.email)).toHaveLength(1);

    // After the interval: that device is known now; a third one gets its notice.
    clock.advance(HOUR + 1000);
    await signIn(user.email, CHROME_WINDOWS, '203.0.113.77');
    expect(await notices(user.email)).toHaveLength(1);
    await signIn(user.email, SAFARI_MAC, '2001:db8:1:2::5');
    expect(await notices(user.email)).toHaveLength(2);
    // IPv6: the same /64 is the same network.
    clock.advance(HOUR + 1000);
    await signIn(user.email, SAFARI_MAC, '2001:db8:1:2:ffff::9');
    expect(await notices(user.email)).toHaveLength(2);
  });

  it('counts a device unseen for longer than NEW_DEVICE_WINDOW as new again', async () => {
    const user = await signUp(app, smtp);
    await signIn(user.email, FIREFOX_LINUX, '192.0.2.10');
    expect(await notices(user.email)).toHaveLength(1);
    clock.advance(HOUR + 1000);
    await signIn(user.email, FIREFOX_LINUX, '192.0.2.11');
    expect(await notices(user.email)).toHaveLength(1);
    clock.advance(2 * HOUR + 1000);
    await signIn(user.email, FIREFOX_LINUX, '192.0.2.12');
    expect(await notices(user.email)).toHaveLength(2);
  });

  it('a wrong password records no device and sends nothing', async () => {
    const user = await signUp(app, smtp);
    const failed = await call(app, 'POST', '/api/auth/login', {
      body: { email: user.email, password: 'not-the-password' },
      headers: { 'user-agent': CHROME_WINDOWS, 'x-forwarded-for': '203.0.113.200' },
    });
    expect(failed.statusCode).toBe(401);
    expect(await notices(user.email)).toHaveLength(0);
    // Had it been recorded, this sign-in would be "known" and send nothing.
    await signIn(user.email, CHROME_WINDOWS, '203.0.113.201');
    expect(await notices(user.email)).toHaveLength(1);
  });

  it('with a second factor, is sent once the second step signs in, not at the password step', async () => {
    const user = await signUp(app, smtp);
    const { secret } = await enrolTotp(app, user.session, clock);
    const headers = { 'user-agent': CHROME_WINDOWS, 'x-forwarded-for': '203.0.113.150' };
    const first = await call(app, 'POST', '/api/auth/login', {
      body: { email: user.email, password: GOOD_PASSWORD },
      headers,
    });
    expect(first.json()).toMatchObject({ mfaRequired: true });
    expect(await notices(user.email)).toHaveLength(0);

    const second = await call(app, 'POST', '/api/auth/login/mfa', {
      body: { challenge: first.json().challenge, code: await nextTotp(secret, clock) },
      headers,
    });
    expect(second.statusCode, second.body).toBe(200);
    const [notice, ...more] = await notices(user.email);
    expect(more).toEqual([]);
    expect(notice?.text).toContain('Chrome on Windows');
    expect(notice?.text).toContain('203.0.113.150');
  });
});

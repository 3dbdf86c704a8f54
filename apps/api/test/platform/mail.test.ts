import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../../scripts/services/free-port.js';
import { type SmtpCapture, startSmtpCapture } from '../../../../scripts/services/smtp-capture.js';
import { makeTlsFiles } from '../../../../scripts/services/tls.js';
import { MailQueue } from '../../src/platform/mail/mail-queue.js';
import { createOutboxMailer } from '../../src/platform/mail/outbox.mailer.js';
import { createSmtpMailer } from '../../src/platform/mail/smtp.mailer.js';
import { Metrics } from '../../src/platform/metrics/metrics.js';

const message = {
  to: 'ada@example.com',
  subject: 'Confirm your email for Parley',
  text: 'Hi Ada,\n\nConfirm: http://localhost:8080/verify-email?token=v4.public.abc',
  html: '<p>Hi Ada,</p><p><a href="http://localhost:8080/verify-email?token=v4.public.abc">Confirm</a></p>',
};

describe('mail delivery', () => {
  let smtp: SmtpCapture;
  beforeAll(async () => {
    smtp = await startSmtpCapture();
  });
  afterAll(async () => {
    await smtp.stop();
  });

  it('sends text and HTML through a real SMTP server', async () => {
    const mailer = createSmtpMailer({ url: smtp.url, from: 'Parley <no-reply@parley.test>' });
    await mailer.send(message);
    const received = await smtp.waitFor('ada@example.com', /Confirm your email/);
    expect(received.from).toBe('"Parley" <no-reply@parley.test>');
    expect(received.text).toContain('verify-email?token=v4.public.abc');
    expect(received.html).toContain('<a href="http://localhost:8080/verify-email?token=v4.public.abc">');
    await mailer.close();
  });

  it('speaks SMTPS with certificate verification and authenticates', async () => {
    const tls = makeTlsFiles(mkdtempSync(path.join(tmpdir(), 'parley-smtps-')));
    const seen: { user?: string; subject?: string } = {};
    const server = new SMTPServer({
      secure: true,
      key: readFileSync(tls.serverKey),
      cert: readFileSync(tls.serverCert),
      logger: false,
      onAuth(auth, _session, callback) {
        seen.user = auth.username;
        if (auth.username === 'mailer' && auth.password === 's3cret-pass') callback(null, { user: 'mailer' });
        else callback(new Error('bad credentials'));
      },
      onData(stream, _session, callback) {
        simpleParser(stream).then((mail) => {
          seen.subject = mail.subject;
          callback();
        }, callback);
      },
    });
    // The untrusted client below hangs up mid-handshake; the server reports that as an error event.
    server.on('error', () => undefined);
    const port = await freePort();
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    try {
      const ca = readFileSync(tls.caCert, 'utf8');
      const good = createSmtpMailer({
        url: `smtps://localhost:${port}`,
        from: 'no-reply@parley.test',
        auth: { user: 'mailer', pass: 's3cret-pass' },
        tls: { ca },
      });
      await good.send(message);
      await good.close();
      expect(seen).toEqual({ user: 'mailer', subject: message.subject });

      const untrusted = createSmtpMailer({
        url: `smtps://localhost:${port}`,
        from: 'no-reply@parley.test',
        auth: { user: 'mailer', pass: 's3cret-pass' },
      });
      await expect(untrusted.send(message)).rejects.toThrow(/certificate/i);
      await untrusted.close();
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('writes the dev outbox as private .eml files and logs the links', async () => {
    const dir = path.join(mkdtempSync(path.join(tmpdir(), 'parley-outbox-')), 'outbox');
    const logged: { obj: Record<string, unknown>; msg: string }[] = [];
    const mailer = createOutboxMailer({
      dir,
      from: 'Parley <no-reply@localhost>',
      log: { info: (obj, msg) => logged.push({ obj: obj as Record<string, unknown>, msg }) },
    });
    await mailer.send(message);
    const files = readdirSync(dir);
    expect(files).toHaveLength(1);
    const file = path.join(dir, files[0] as string);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const parsed = await simpleParser(readFileSync(file));
    expect(parsed.subject).toBe(message.subject);
    expect(parsed.text).toContain('verify-email?token=v4.public.abc');
    expect(logged[0]?.obj.links).toEqual(['http://localhost:8080/verify-email?token=v4.public.abc']);
  });

  it('a failing send is logged and counted, not thrown into the request, and drain waits for pending mail', async () => {
    const errors: unknown[] = [];
    let delivered = 0;
    const metrics = new Metrics({ processMetrics: false });
    const queue = new MailQueue(
      {
        send: async (m) => {
          await new Promise((resolve) => setTimeout(resolve, 20));
          if (m.to === 'bad@example.com') throw new Error('mailbox unavailable');
          delivered += 1;
        },
        close: async () => undefined,
      },
      { error: (obj) => errors.push(obj) },
      metrics,
    );
    queue.enqueue({ ...message, to: 'bad@example.com' });
    queue.enqueue({ ...message, kind: 'verify_email' });
    await queue.drain();
    expect(delivered).toBe(1);
    expect(errors).toHaveLength(1);
    const text = await metrics.text();
    expect(text).toContain('parley_emails_total{kind="other",result="failed"} 1');
    expect(text).toContain('parley_emails_total{kind="verify_email",result="sent"} 1');
  });
});

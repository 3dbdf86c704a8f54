import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { freePort } from './free-port.js';

export interface CapturedMail {
  to: string;
  subject: string;
  text: string;
  html: string;
  from: string;
  /** Every header field as sent, unfolded: `{ key: 'list-unsubscribe', value: '<https://…>' }`. */
  headers: { key: string; value: string }[];
}

export interface SmtpCapture {
  readonly url: string;
  readonly messages: readonly CapturedMail[];
  /** Waits for a message to `to` matching `subject`, received after `since` messages (default: any). */
  waitFor(to: string, subject: RegExp, options?: { timeoutMs?: number }): Promise<CapturedMail>;
  stop(): Promise<void>;
}

function toCaptured(mail: ParsedMail): CapturedMail {
  const to = Array.isArray(mail.to) ? mail.to.map((a) => a.text).join(', ') : (mail.to?.text ?? '');
  return {
    to,
    from: mail.from?.text ?? '',
    subject: mail.subject ?? '',
    text: mail.text ?? '',
    html: typeof mail.html === 'string' ? mail.html : '',
    headers: mail.headerLines.map(({ key, line }) => ({
      key,
      value: line
        .slice(line.indexOf(':') + 1)
        .replace(/\r?\n[ \t]+/g, ' ')
        .trim(),
    })),
  };
}

/**
 * A real SMTP server (the `smtp-server` package) on a free loopback port that keeps every message it
 * receives, parsed with `mailparser`, so tests read emails as a user's mailbox would.
 */
export async function startSmtpCapture(): Promise<SmtpCapture> {
  const messages: CapturedMail[] = [];
  const waiters = new Set<() => void>();
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, _session, callback) {
      simpleParser(stream)
        .then((mail) => {
          messages.push(toCaptured(mail));
          for (const waiter of waiters) waiter();
          callback();
        })
        .catch((error: Error) => callback(error));
    },
  });
  // A client that disconnects mid-session is the client's problem, not a failed test run.
  server.on('error', () => undefined);
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const consumed = new Set<CapturedMail>();
  return {
    url: `smtp://127.0.0.1:${port}`,
    messages,
    waitFor(to, subject, options = {}) {
      const timeoutMs = options.timeoutMs ?? 10_000;
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = messages.find(
            (m) => !consumed.has(m) && m.to.includes(to) && subject.test(m.subject),
          );
          if (!found) return;
          consumed.add(found);
          waiters.delete(check);
          clearTimeout(timer);
          resolve(found);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no email to ${to} matching ${subject} within ${timeoutMs} ms`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

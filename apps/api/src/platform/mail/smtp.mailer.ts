import nodemailer from 'nodemailer';
import type { Mailer, MailMessage } from './mailer.js';

export interface SmtpOptions {
  /** smtp://host:port (STARTTLS when offered) or smtps://host:port (TLS from the start). */
  url: string;
  from: string;
  /** Credentials, e.g. from Secrets Manager; never put them in the URL in production. */
  auth?: { user: string; pass: string } | undefined;
  /** Extra TLS options (tests pass a CA). */
  tls?: { ca?: string; rejectUnauthorized?: boolean } | undefined;
}

/** Sends through an SMTP server with nodemailer, pooling connections. */
export function createSmtpMailer(options: SmtpOptions): Mailer {
  const url = new URL(options.url);
  const transport = nodemailer.createTransport({
    host: url.hostname,
    port: Number(url.port || (url.protocol === 'smtps:' ? 465 : 587)),
    secure: url.protocol === 'smtps:',
    pool: true,
    maxConnections: 3,
    ...(options.auth ? { auth: options.auth } : {}),
    ...(options.tls ? { tls: options.tls } : {}),
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 20_000,
  });
  return {
    async send(message: MailMessage) {
      await transport.sendMail({
        from: options.from,
        to: message.to,
        subject: message.subject,
        text: message.text,
        html: message.html,
        ...(message.headers ? { headers: { ...message.headers } } : {}),
      });
    },
    async close() {
      transport.close();
    },
  };
}

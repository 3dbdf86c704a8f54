import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import nodemailer from 'nodemailer';
import { newId } from '../../ids.js';
import type { Mailer, MailMessage } from './mailer.js';

export interface OutboxLog {
  info(obj: object, msg: string): void;
}

const RULE_WIDTH = 72;

/**
 * The lines a person starting Parley locally looks for: each email's links in a frame of its own, so a
 * verification link is not buried among the log lines. Printed whatever LOG_LEVEL says.
 */
export function framedEmailNotice(email: {
  to: string;
  subject: string;
  links: readonly string[];
  file: string;
}): string {
  const title = '─── Email (dev outbox) ';
  const rows = [
    ` To:      ${email.to}`,
    ` Subject: ${email.subject}`,
    ...(email.links.length > 0 ? email.links.map((link) => ` Link:    ${link}`) : [' (no links)']),
    ` File:    ${email.file}`,
  ];
  return [`${title}${'─'.repeat(RULE_WIDTH - title.length)}`, ...rows, '─'.repeat(RULE_WIDTH), ''].join('\n');
}

/**
 * The laptop default: each email becomes an `.eml` file under `DATA_DIR/outbox/` (open it with any mail
 * client), its links are logged and printed in a frame (`notice`, stdout by default), so sign-up works
 * without an SMTP server. Configuration refuses it wherever it could leak links (https, AWS).
 */
export function createOutboxMailer(options: {
  dir: string;
  from: string;
  log: OutboxLog;
  notice?: (text: string) => void;
}): Mailer {
  const transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  const notice = options.notice ?? ((text: string) => process.stdout.write(text));
  return {
    async send(message: MailMessage) {
      const info = await transport.sendMail({
        from: options.from,
        to: message.to,
        subject: message.subject,
        text: message.text,
        html: message.html,
        ...(message.headers ? { headers: { ...message.headers } } : {}),
      });
      mkdirSync(options.dir, { recursive: true, mode: 0o700 });
      const file = path.join(options.dir, `${new Date().toISOString().replace(/[:.]/g, '-')}-${newId()}.eml`);
      writeFileSync(file, info.message as Buffer, { mode: 0o600 });
      const links = message.text.match(/https?:\/\/\S+/g) ?? [];
      options.log.info(
        { outbox: file, to: message.to, subject: message.subject, links },
        'email written to the dev outbox',
      );
      notice(framedEmailNotice({ to: message.to, subject: message.subject, links, file }));
    },
    async close() {},
  };
}

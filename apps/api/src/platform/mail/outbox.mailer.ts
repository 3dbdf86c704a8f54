import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import nodemailer from 'nodemailer';
import { newId } from '../../ids.js';
import type { Mailer, MailMessage } from './mailer.js';

export interface OutboxLog {
  info(obj: object, msg: string): void;
}

/**
 * The laptop default: each email becomes an `.eml` file under `DATA_DIR/outbox/` (open it with any mail
 * client) and its links are logged, so sign-up works without an SMTP server.
 */
export function createOutboxMailer(options: { dir: string; from: string; log: OutboxLog }): Mailer {
  const transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  return {
    async send(message: MailMessage) {
      const info = await transport.sendMail({ from: options.from, ...message });
      mkdirSync(options.dir, { recursive: true, mode: 0o700 });
      const file = path.join(options.dir, `${new Date().toISOString().replace(/[:.]/g, '-')}-${newId()}.eml`);
      writeFileSync(file, info.message as Buffer, { mode: 0o600 });
      const links = message.text.match(/https?:\/\/\S+/g) ?? [];
      options.log.info(
        { outbox: file, to: message.to, subject: message.subject, links },
        'email written to the dev outbox',
      );
    },
    async close() {},
  };
}

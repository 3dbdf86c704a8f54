import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import type { CapturedMail, SmtpCapture } from '../../../../scripts/services/smtp-capture.js';
import type { DB } from '../../src/db/schema.js';
import { toDbTime } from '../../src/db/time.js';
import {
  type NotifierDeps,
  type NotifyResult,
  sendDueNotifications,
} from '../../src/modules/notifications/email-notifier.js';
import { platformOf } from './app.js';

const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

/** The notification job of one app (its mail queue, limiter and link signer) over `db`, on `now`. */
export function notifierOf(app: FastifyInstance, db: Kysely<DB>, now: () => Date): NotifierDeps {
  const platform = platformOf(app);
  return {
    db,
    mail: platform.mail,
    limiter: platform.limiter,
    links: platform.links,
    publicUrl: app.config.publicUrl,
    config: app.config.notifyEmail,
    now,
    log: quiet,
  };
}

export const runJob = (deps: NotifierDeps): Promise<NotifyResult> => sendDueNotifications(deps);

/** The notification emails received for `email` so far. */
export const notificationsTo = (smtp: SmtpCapture, email: string): CapturedMail[] =>
  smtp.messages.filter((m) => m.to.includes(email) && /on Parley$/.test(m.subject));

/** One header field's value (case-insensitive name), or undefined. */
export const headerOf = (mail: CapturedMail | undefined, name: string): string | undefined =>
  mail?.headers.find((h) => h.key.toLowerCase() === name.toLowerCase())?.value;

/** The token of the List-Unsubscribe https URL. */
export function unsubscribeToken(mail: CapturedMail): string {
  const header = headerOf(mail, 'List-Unsubscribe') ?? '';
  const match = /<(https?:\/\/[^>]+)>/.exec(header);
  if (!match?.[1]) throw new Error(`no https List-Unsubscribe in: ${header}`);
  const token = new URL(match[1]).searchParams.get('token');
  if (!token) throw new Error(`no token in ${match[1]}`);
  return token;
}

/** What the mentions feature writes when a message mentions `userId` (another branch fills it in the app). */
export async function mention(
  db: Kysely<DB>,
  message: { id: string; seq: number; conversationId: string },
  userId: string,
  now: Date,
): Promise<void> {
  await db
    .insertInto('message_mentions')
    .values({
      message_id: message.id,
      user_id: userId,
      conversation_id: message.conversationId,
      seq: message.seq,
      created_at: toDbTime(now),
    })
    .execute();
}

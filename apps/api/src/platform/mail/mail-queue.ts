import type { MailMetrics } from '../metrics/metrics.js';
import type { Mailer, MailMessage } from './mailer.js';

export interface MailQueueLog {
  error(obj: object, msg: string): void;
}

/**
 * Sends email after the response instead of during it: whether a mail goes out (account exists or not)
 * must not show in response times. Failures are logged; `drain()` waits for what is in flight at shutdown.
 */
export class MailQueue {
  readonly #pending = new Set<Promise<void>>();

  constructor(
    private readonly mailer: Mailer,
    private readonly log: MailQueueLog,
    private readonly metrics?: MailMetrics,
  ) {}

  enqueue(message: MailMessage): void {
    const sending = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => this.mailer.send(message))
      .then(() => this.metrics?.email(message.kind ?? 'other', 'sent'))
      .catch((error: unknown) => {
        this.metrics?.email(message.kind ?? 'other', 'failed');
        this.log.error({ err: error, subject: message.subject }, 'email could not be sent');
      })
      .finally(() => {
        this.#pending.delete(sending);
      });
    this.#pending.add(sending);
  }

  /**
   * Sends now and waits for the server's answer, counted like a queued email; throws when it failed. For
   * the background jobs that must know whether an email went out (to record it, or to try again later).
   */
  async send(message: MailMessage): Promise<void> {
    try {
      await this.mailer.send(message);
    } catch (error) {
      this.metrics?.email(message.kind ?? 'other', 'failed');
      throw error;
    }
    this.metrics?.email(message.kind ?? 'other', 'sent');
  }

  async drain(): Promise<void> {
    while (this.#pending.size > 0) await Promise.all([...this.#pending]);
  }

  async close(): Promise<void> {
    await this.drain();
    await this.mailer.close();
  }
}

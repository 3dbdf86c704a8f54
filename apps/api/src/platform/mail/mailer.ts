/** One email: plain text and HTML bodies of the same content. */
export interface MailMessage {
  /** What it is for (`verify_email`, `reset_password`, …): the `kind` label of `parley_emails_total`. */
  kind?: string;
  to: string;
  subject: string;
  text: string;
  html: string;
  /** Extra header fields (e.g. `List-Unsubscribe`); names as written, values already RFC 5322-safe. */
  headers?: Readonly<Record<string, string>>;
}

/** Delivers email. Two implementations: SMTP (nodemailer) and the dev outbox folder. */
export interface Mailer {
  send(message: MailMessage): Promise<void>;
  close(): Promise<void>;
}

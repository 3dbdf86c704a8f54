/** One email: plain text and HTML bodies of the same content. */
export interface MailMessage {
  /** What it is for (`verify_email`, `reset_password`, …): the `kind` label of `parley_emails_total`. */
  kind?: string;
  to: string;
  subject: string;
  text: string;
  html: string;
}

/** Delivers email. Two implementations: SMTP (nodemailer) and the dev outbox folder. */
export interface Mailer {
  send(message: MailMessage): Promise<void>;
  close(): Promise<void>;
}

import type { Kysely } from 'kysely';
import type { MfaConfig } from '../../config.js';
import type { DB } from '../../db/schema.js';
import type { BreachedPasswords } from '../../platform/breaches/pwned-passwords.js';
import type { EventBus } from '../../platform/bus/event-bus.js';
import type { CheckLimit } from '../../platform/limits/limiter.js';
import type { MailQueue } from '../../platform/mail/mail-queue.js';
import type { MfaCipher } from '../../platform/secrets/mfa-cipher.js';
import type { TokenService } from '../../platform/tokens/token.types.js';
import type { SessionCheck } from './session-check.js';
import type { SessionEndDeps } from './session-end.js';

/** What the auth commands need; built once, in the composition root (composition.ts). */
export interface AuthDeps extends SessionEndDeps {
  readonly db: Kysely<DB>;
  readonly tokens: TokenService;
  readonly mail: MailQueue;
  /** PUBLIC_URL: email links are built from it, never from the request's Host header. */
  readonly publicUrl: URL;
  readonly now: () => Date;
  /** MAIL_NOTICE_INTERVAL_SECONDS: least time between two notices of one kind to one address. */
  readonly mailNoticeIntervalMs: number;
  /** Every session end is announced here (see `endSessions`), so open WebSockets close everywhere. */
  readonly bus: EventBus;
  /** Lifetime of an `active_session` token (SESSION_TOKEN_TTL_SECONDS). */
  readonly sessionTokenTtlSeconds: number;
  /** Seals TOTP secrets and keys recovery-code hashes. */
  readonly mfa: MfaCipher;
  /** Challenge lifetime and wrong-code allowance, re-authentication window. */
  readonly mfaConfig: MfaConfig;
  /**
   * Rate counters a command spends itself, when the key is known only inside it (the per-account
   * second-factor limit needs the account a challenge names).
   */
  readonly checkLimit: CheckLimit;
  /** The breached-password corpus new passwords are checked against (PWNED_PASSWORDS_URL). */
  readonly breaches: BreachedPasswords;
  /** NEW_DEVICE_WINDOW: a sign-in from a device unseen on the account this long gets a notice. */
  readonly newDeviceWindowMs: number;
  /** How a presented session token is checked: cached signatures, batched session reads (ADR 0014). */
  readonly sessionCheck: SessionCheck;
}

/** Builds `<PUBLIC_URL>/<page>?token=…`, keeping any path prefix of PUBLIC_URL. */
export function linkTo(publicUrl: URL, page: string, token?: string): string {
  const base = publicUrl.href.endsWith('/') ? publicUrl.href : `${publicUrl.href}/`;
  const url = new URL(page, base);
  if (token) url.searchParams.set('token', token);
  return url.href;
}

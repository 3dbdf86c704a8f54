import type { Kysely, Transaction } from 'kysely';
import type { DB, Executor } from '../../db/schema.js';
import { AppError } from '../../errors.js';
import { newId } from '../../ids.js';
import { findLiveUserById, type UserRow } from '../users/user.repository.js';
import {
  EMAIL_CHANGE_TTL_SECONDS,
  PASSWORD_RESET_TTL_SECONDS,
  VERIFY_EMAIL_TTL_SECONDS,
} from './auth.constants.js';
import { type AuthDeps, linkTo } from './auth.context.js';
import {
  consumeEmailToken,
  type EmailTokenRow,
  findUsableEmailToken,
  insertEmailToken,
  passwordFingerprint,
} from './email-token.repository.js';

/**
 * Emailed links (verification, password reset, email change): a signed token naming a single-use row.
 * The rules that make a link safe live here, once: who it was issued for, when it dies, how it is spent.
 */

export const invalidLink = () =>
  new AppError('invalid_token', 'This link is invalid, expired or already used');

/** A verification link: activates an unverified account; dies once the account is verified. */
export const VERIFY = {
  purpose: 'verify_email',
  token: 'verify_email_session',
  ttlSeconds: VERIFY_EMAIL_TTL_SECONDS,
  page: 'verify-email',
} as const;
/** A reset link: sets a new password; dies once the password changes another way. */
export const RESET = {
  purpose: 'password_reset',
  token: 'password_reset_session',
  ttlSeconds: PASSWORD_RESET_TTL_SECONDS,
  page: 'reset-password',
} as const;
/**
 * An email-change link, sent to the new address: moves the account there; dies once the account's
 * email or password changes another way. It shares the verification keyring (both prove a mailbox,
 * both live at most a day), told apart by its row's purpose and its `lnk` claim.
 */
export const EMAIL_CHANGE = {
  purpose: 'email_change',
  token: 'verify_email_session',
  ttlSeconds: EMAIL_CHANGE_TTL_SECONDS,
  page: 'confirm-email-change',
} as const;
export type EmailLinkKind = typeof VERIFY | typeof RESET | typeof EMAIL_CHANGE;

/**
 * Creates the single-use row and the signed token for an email link. The row holds the account's address
 * and password fingerprint as they are now; an email-change link also the address it moves the account to.
 */
export async function issueEmailLink(
  deps: AuthDeps,
  user: UserRow,
  kind: EmailLinkKind,
  options: { newEmail?: string } = {},
): Promise<string> {
  const now = deps.now();
  const jti = newId();
  await insertEmailToken(deps.db, {
    id: jti,
    userId: user.id,
    purpose: kind.purpose,
    email: user.email,
    passwordHash: user.password_hash,
    now,
    expiresAt: new Date(now.getTime() + kind.ttlSeconds * 1000),
    ...(options.newEmail === undefined ? {} : { newEmail: options.newEmail }),
  });
  const issued = await deps.tokens.issue(kind.token, {
    subject: user.id,
    jti,
    ttlSeconds: kind.ttlSeconds,
    claims: { lnk: kind.purpose },
  });
  return linkTo(deps.publicUrl, kind.page, issued.token);
}

/**
 * Checks the signature, purpose and lifetime of an emailed token, and that it was issued for this kind
 * of link (the `lnk` claim; tokens issued before the claim existed carry none and are verification or
 * reset links, whose keyrings they alone use); any failure is `invalid_token`.
 */
export async function openEmailLink(deps: AuthDeps, kind: EmailLinkKind, token: string) {
  let verified: Awaited<ReturnType<AuthDeps['tokens']['verify']>>;
  try {
    verified = await deps.tokens.verify(kind.token, token);
  } catch {
    throw invalidLink();
  }
  const use = verified.claims.lnk;
  if (use === undefined ? kind === EMAIL_CHANGE : use !== kind.purpose) throw invalidLink();
  return verified;
}

/** What an emailed token says: which link row (`jti`) for which account (`sub`). */
export interface LinkClaims {
  readonly jti: string;
  readonly sub: string;
}

/**
 * The account a link's row still fits, else `invalid_token`: the row must exist (usable, or spent just
 * now) and the account must be live, still have the address it had when the link was sent and, for a
 * verification link, still be unverified, or, for a reset or email-change link, still have the password
 * it had when the link was sent.
 */
async function fittingAccount(
  db: Executor,
  kind: EmailLinkKind,
  claims: LinkClaims,
  link: EmailTokenRow | undefined,
): Promise<UserRow> {
  const user = link ? await findLiveUserById(db, claims.sub) : undefined;
  if (!link || !user || user.email !== link.email) throw invalidLink();
  const fits =
    kind === VERIFY
      ? user.email_verified_at === null
      : passwordFingerprint(user.password_hash) === link.password_fingerprint;
  if (!fits) throw invalidLink();
  return user;
}

/**
 * The account of a link that is still usable and fits it, without spending the link (a later step may
 * still refuse, such as a wrong password on activation, and leave it usable).
 */
export async function checkEmailLink(
  db: Kysely<DB>,
  kind: EmailLinkKind,
  claims: LinkClaims,
  now: Date,
): Promise<UserRow> {
  const link = await findUsableEmailToken(db, {
    id: claims.jti,
    userId: claims.sub,
    purpose: kind.purpose,
    now,
  });
  return fittingAccount(db, kind, claims, link);
}

/** Spends an email link (`consumeEmailLink`); returns the account and the link's row. */
async function consumeLink(
  trx: Transaction<DB>,
  kind: EmailLinkKind,
  claims: LinkClaims,
  now: Date,
): Promise<{ user: UserRow; link: EmailTokenRow }> {
  const link = await consumeEmailToken(trx, {
    id: claims.jti,
    userId: claims.sub,
    purpose: kind.purpose,
    now,
  });
  const user = await fittingAccount(trx, kind, claims, link);
  if (!link) throw invalidLink();
  return { user, link };
}

/**
 * Spends an email link inside the caller's transaction and returns its account: one conditional UPDATE
 * marks the link used (of two concurrent uses exactly one gets through; an unknown, used, expired or
 * other-purpose link changes nothing), then the account is read in the same transaction and must still
 * fit the link (`fittingAccount`). Anything else is `invalid_token`, thrown so the transaction rolls back
 * and the link stays unspent.
 */
export async function consumeEmailLink(
  trx: Transaction<DB>,
  kind: EmailLinkKind,
  claims: LinkClaims,
  now: Date,
): Promise<UserRow> {
  return (await consumeLink(trx, kind, claims, now)).user;
}

/** `consumeEmailLink` for an email-change link: the account and the address it moves to. */
export async function consumeEmailChangeLink(
  trx: Transaction<DB>,
  claims: LinkClaims,
  now: Date,
): Promise<{ user: UserRow; newEmail: string }> {
  const { user, link } = await consumeLink(trx, EMAIL_CHANGE, claims, now);
  if (!link.new_email) throw invalidLink();
  return { user, newEmail: link.new_email };
}

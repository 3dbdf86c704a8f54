import { z } from 'zod';
import { VisibleName } from './text.js';

/** Emails are compared case-insensitively: trimmed and lower-cased before anything else sees them. */
export const Email = z
  .string()
  .trim()
  .max(254)
  .pipe(z.email({ message: 'must be an email address' }))
  .transform((value) => value.toLowerCase());

/** 12–128 characters (Unicode code points), no composition rules; the server also rejects common ones. */
export const Password = z
  .string()
  .refine((value) => [...value].length >= 12, { message: 'must be at least 12 characters' })
  .refine((value) => [...value].length <= 128, { message: 'must be at most 128 characters' });

/**
 * A name shown to other users: 1–100 characters after trimming, NFC, and nothing invisible, no control or
 * text-direction characters (see `VisibleName`).
 */
export const DisplayName = VisibleName(100);

/** A signed token from an email link or login; opaque to clients. */
export const TokenString = z.string().min(1).max(4096);

/** Opaque identifier of a user, session, conversation, message or attachment. */
export const Id = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_-]+$/, { message: 'must be an id' });

/** POST /api/auth/register */
export const RegisterBody = z.strictObject({ email: Email, password: Password, displayName: DisplayName });
export type RegisterBody = z.infer<typeof RegisterBody>;

/**
 * POST /api/auth/verify-email: the token of the emailed link and the password chosen at sign-up, which
 * picks the registration to activate (any length, like login: it is compared, not set).
 */
export const VerifyEmailBody = z.strictObject({
  token: TokenString,
  password: z.string().min(1).max(1024).describe('The password chosen when signing up with this address'),
});
export type VerifyEmailBody = z.infer<typeof VerifyEmailBody>;

/** POST /api/auth/resend-verification and POST /api/auth/forgot-password */
export const EmailOnlyBody = z.strictObject({ email: Email });
export type EmailOnlyBody = z.infer<typeof EmailOnlyBody>;

/** POST /api/auth/login (any password length: old accounts and typos get 401, not 400). */
export const LoginBody = z.strictObject({ email: Email, password: z.string().min(1).max(1024) });
export type LoginBody = z.infer<typeof LoginBody>;

/** POST /api/auth/reset-password */
export const ResetPasswordBody = z.strictObject({ token: TokenString, password: Password });
export type ResetPasswordBody = z.infer<typeof ResetPasswordBody>;

/** POST /api/auth/change-password */
export const ChangePasswordBody = z.strictObject({
  currentPassword: z.string().min(1).max(1024),
  newPassword: Password,
});
export type ChangePasswordBody = z.infer<typeof ChangePasswordBody>;

/** The signed-in user, as GET /api/me returns it. */
export const User = z.object({
  id: z.string(),
  email: z.string(),
  displayName: z.string(),
  emailVerified: z.boolean(),
  createdAt: z.string(),
});
export type User = z.infer<typeof User>;

/** 200 of POST /api/auth/verify-email */
export const UserEnvelope = z.object({ user: User });
export type UserEnvelope = z.infer<typeof UserEnvelope>;

/** 200 of POST /api/auth/login: the token is also set as the session cookie. */
export const LoginResponse = z.object({ user: User, token: z.string() });
export type LoginResponse = z.infer<typeof LoginResponse>;

/** PATCH /api/me */
export const UpdateMeBody = z.strictObject({ displayName: DisplayName });
export type UpdateMeBody = z.infer<typeof UpdateMeBody>;

/** DELETE /api/me */
export const DeleteMeBody = z.strictObject({ password: z.string().min(1).max(1024) });
export type DeleteMeBody = z.infer<typeof DeleteMeBody>;

/** One signed-in device. */
export const Session = z.object({
  id: z.string(),
  current: z.boolean(),
  userAgent: z.string().nullable(),
  ip: z.string().nullable(),
  createdAt: z.string(),
  lastSeenAt: z.string(),
});
export type Session = z.infer<typeof Session>;

/** 200 of GET /api/sessions */
export const SessionList = z.object({ sessions: z.array(Session) });
export type SessionList = z.infer<typeof SessionList>;

/** Params of routes addressing one thing by id. */
export const IdParams = z.strictObject({ id: Id });
export type IdParams = z.infer<typeof IdParams>;

/** GET /api/users/lookup?email= */
export const UserLookupQuery = z.strictObject({ email: Email });
export type UserLookupQuery = z.infer<typeof UserLookupQuery>;

/** Another user as others see them: no email. */
export const PublicUser = z.object({ id: z.string(), displayName: z.string() });
export type PublicUser = z.infer<typeof PublicUser>;

/**
 * POST /api/me/email: moves the account to `newEmail` once the link sent there is used. `password` is the
 * re-authentication the change needs (the current password, as change-password and account deletion ask).
 */
export const ChangeEmailBody = z.strictObject({
  newEmail: Email,
  password: z.string().min(1).max(1024).describe('The current password of the account'),
});
export type ChangeEmailBody = z.infer<typeof ChangeEmailBody>;

/** POST /api/auth/confirm-email-change: the token of the link sent to the new address. */
export const ConfirmEmailChangeBody = z.strictObject({ token: TokenString });
export type ConfirmEmailChangeBody = z.infer<typeof ConfirmEmailChangeBody>;

/** GET /api/me/security-events?cursor=&limit= — `cursor` is a previous page's `nextCursor`, as given. */
export const SecurityEventsQuery = z.strictObject({
  cursor: z
    .string()
    .min(1)
    .max(300)
    .regex(/^[A-Za-z0-9_-]+$/, { message: 'is not a cursor from this API' })
    .optional(),
  limit: z.coerce.number().int().min(1).max(100).default(50),
});
export type SecurityEventsQuery = z.infer<typeof SecurityEventsQuery>;

/**
 * One entry of the account's security log (API.md's `{ type, createdAt, ip, userAgent }`, plus `id`): what happened (`login_succeeded`, `login_failed`,
 * `password_changed`, `password_reset`, `logout`, `session_revoked`, `email_changed`, … — an open set),
 * when, and from which address and user agent.
 */
export const SecurityEvent = z.object({
  /** Opaque and stable: a list key for clients. */
  id: z.string(),
  type: z.string(),
  createdAt: z.string(),
  ip: z.string().nullable(),
  userAgent: z.string().nullable(),
});
export type SecurityEvent = z.infer<typeof SecurityEvent>;

/** 200 of GET /api/me/security-events: newest first; `nextCursor` is null on the last page. */
export const SecurityEventPage = z.object({
  events: z.array(SecurityEvent),
  nextCursor: z.string().nullable(),
});
export type SecurityEventPage = z.infer<typeof SecurityEventPage>;

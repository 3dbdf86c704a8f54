import type * as contract from '@parley/contract';

/** The words of docs/api.md that the OpenAPI document cannot say (scripts/api-doc.ts renders them). */

export const TAG_TITLES: Readonly<Record<string, string>> = {
  health: 'Health',
  auth: 'Accounts and sign-in',
  account: 'Your account, sessions and other users',
  conversations: 'Conversations',
  messages: 'Messages',
  attachments: 'Attachments',
  notifications: 'Notifications',
  search: 'Search',
};

/** What each route does beyond its schema: who may call it and what a client must know. */
export const ROUTE_NOTES: Readonly<Record<string, string>> = {
  'GET /api/health/live': 'anyone; the process is up',
  'GET /api/health/ready':
    'anyone; the database and Redis (when configured) answer, `checks` says which; otherwise 503 `service_unavailable` with `details.checks` and `Retry-After`',
  'POST /api/auth/register':
    'anyone; the same 202 whether or not the email exists: sends a verification link, or to a verified account a "someone tried to sign up" notice (at most one per `MAIL_NOTICE_INTERVAL_SECONDS`)',
  'POST /api/auth/verify-email':
    'anyone with the emailed link; `password` picks the sign-up to activate; single use; signs in (session cookie)',
  'POST /api/auth/resend-verification': 'anyone; the same 202 for any email',
  'POST /api/auth/login':
    'anyone; sets the session cookie and returns the same token; 401 `invalid_credentials` for a wrong email or password alike; 403 `email_not_verified`. With a second factor: `{ mfaRequired, challenge, methods }` and no cookie. A session the request carried ends (replaced)',
  'POST /api/auth/login/mfa':
    'anyone with the challenge of the password step (`MFA_CHALLENGE_TTL`, single use, `MFA_CHALLENGE_ATTEMPTS` wrong codes, then 400 `invalid_token`); a TOTP or recovery code, or `{ passkey }`: an assertion over that challenge (options from `POST /api/auth/passkey/options` `{ challenge }`); sets the session cookie; `LIMIT_MFA_ACCOUNT`',
  'POST /api/auth/reauthenticate':
    'signed in; `{ password }`, or (with a second factor) `{ code }` or `{ passkey }` (an assertion over a challenge from `POST /api/auth/passkey/options` `{ reauthenticate: true }`); sensitive actions work for `REAUTH_MAX_AGE` after it (or after signing in). Replaces the session token: a new cookie and `X-Parley-Token`; the token the request carried stops working',
  'POST /api/auth/passkey/options':
    'anyone; no body: WebAuthn options for a passkey-only sign-in (discoverable credential, user verification required, `PASSKEY_CHALLENGE_TTL`, single use); `{ challenge }`: options for the second step of that sign-in; `{ reauthenticate: true }` (signed in): options to re-authenticate this session; counts against `LIMIT_LOGIN_IP`',
  'POST /api/auth/passkey':
    'anyone with an assertion over a challenge from the options; sets the session cookie; 401 `invalid_credentials` for an unknown, removed, unverified or cloned (counter went backwards, recorded) passkey; 400 `invalid_token` for a used or unknown challenge; a session the request carried ends',
  'POST /api/me/passkeys/options':
    'signed in, recently authenticated; WebAuthn registration options (RP = `PUBLIC_URL`), the challenge bound to this session',
  'POST /api/me/passkeys':
    'signed in; `{ name, attestation }` over a challenge this session got from the options (400 `invalid_token` otherwise); the first second factor ends every other session; a notice email',
  'PATCH /api/me/passkeys/{id}': 'signed in; renames one of your passkeys; 404 for anyone else’s',
  'DELETE /api/me/passkeys/{id}':
    'signed in, recently authenticated; removes one of your passkeys (kept, marked removed); 404 for anyone else’s; a notice email',
  'POST /api/auth/logout': 'signed in; ends this session',
  'POST /api/auth/logout-all': 'signed in, recently authenticated; ends every session of the user',
  'POST /api/auth/forgot-password':
    'anyone; the same 202 for any email; sends a reset link when the account exists',
  'POST /api/auth/reset-password': 'anyone with the emailed link; single use; ends every session',
  'POST /api/auth/change-password': 'signed in, recently authenticated; ends every other session',
  'GET /api/me': 'signed in; re-issues the session token when it is old enough',
  'GET /api/me/mfa': 'signed in; the account’s second factors, passkeys with their last use',
  'POST /api/me/mfa/totp':
    'signed in, recently authenticated; a new authenticator secret, active once confirmed; 409 `conflict` when one is active',
  'POST /api/me/mfa/totp/confirm':
    'signed in; a code from the app activates the pending secret; 10 recovery codes, shown once; ends every other session; `LIMIT_MFA_ACCOUNT`',
  'DELETE /api/me/mfa/totp':
    'signed in, recently authenticated; removes the authenticator and the recovery codes; ends every other session',
  'POST /api/me/mfa/recovery-codes':
    'signed in, recently authenticated, with an authenticator; 10 new codes, the old set stops working',
  'PATCH /api/me':
    'signed in; the new name reaches the members of your conversations, and your other tabs, as `user_updated`; `LIMIT_PROFILE_CHANGES`',
  'DELETE /api/me':
    'signed in, recently authenticated, with the password; soft-deletes the account and ends its sessions; it leaves every group, and its direct conversations become read-only',
  'GET /api/users/lookup': 'signed in; verified, live accounts only (404 otherwise); `LIMIT_LOOKUPS`',
  'POST /api/me/email':
    'signed in, recently authenticated, with the current password; the same 202 whether or not the address is free: sends the new address a single-use link (1 h) and the current one a notice; nothing changes until the link is used; `LIMIT_PASSWORD_CHECKS`, `LIMIT_EMAIL_ADDRESS` per new address',
  'POST /api/auth/confirm-email-change':
    'anyone with the link sent to the new address; single use; the account moves to that address (verified); every session but the one confirming (when signed in to this account) ends; 409 `conflict` when another account took the address meanwhile',
  'GET /api/me/security-events':
    'signed in; your own security log (sign-ins, failures, password and email changes, session ends) newest first, `limit` ≤ 100; pass `nextCursor` back as `cursor`',
  'GET /api/sessions': 'signed in; your own sessions, `current` marks this one',
  'DELETE /api/sessions/{id}':
    'signed in; ends one of your own sessions (404 for anyone else’s); another than this one needs a recent authentication',
  'POST /api/conversations':
    'signed in; 201 with a new conversation, 200 with the existing one for a repeated direct pair; 409 `limit_reached` at `MAX_CONVERSATIONS_PER_USER` or `MAX_GROUP_MEMBERS`',
  'GET /api/conversations':
    'signed in; newest activity first, `limit` ≤ 100; pass `nextCursor` back as `cursor`; the ones you archived are left out unless `archived=true` (then only they are listed)',
  'GET /api/conversations/{id}': 'members; 404 for anyone else',
  'POST /api/conversations/{id}/members': 'group owner and admins',
  'DELETE /api/conversations/{id}/members/{userId}':
    'group owner and admins, or yourself (leave); a group keeps an owner (the longest-standing admin, else member, takes over)',
  'PATCH /api/conversations/{id}':
    'group owner and admins; `title` checked as when creating a group; stores a `renamed` timeline line (`kind: "system"`) in the seq, sent to members as a `message`; the same title again changes nothing; `LIMIT_CONVERSATION_CHANGES`',
  'PUT /api/conversations/{id}/members/{userId}/role':
    'group owner only; `admin` or `member` for an active member (404 otherwise); the owner’s own role cannot change (403); members get the changed `conversation`; `LIMIT_CONVERSATION_CHANGES`',
  'PATCH /api/conversations/{id}/settings':
    'members, for themselves; `muted` (no unread in totals, no notifications), `archived` (out of the default list until the next message or timeline line); your other tabs get the changed `conversation`; `LIMIT_CONVERSATION_CHANGES`',
  'GET /api/conversations/{id}/messages':
    'members; `before`, `after` or `around` a seq (one of them), `limit` ≤ 100, in seq order; `around` gives the message, up to half the page before it and `hasMoreAfter`',
  'POST /api/conversations/{id}/messages':
    'members of a writable conversation; 201 once stored, 200 with the stored message when `clientId` repeats; `replyToId`: a message of the same conversation (deleted too, not a timeline line), else 400',
  'PATCH /api/messages/{id}':
    'the sender; sets `editedAt`; 409 on a timeline line (`kind: "system"`); `LIMIT_MESSAGE_EDITS`',
  'DELETE /api/messages/{id}':
    'the sender; soft delete: later reads show a tombstone; 409 on a timeline line',
  'POST /api/conversations/{id}/read': 'members; moves your read marker forward only',
  'PUT /api/messages/{id}/reactions/{emoji}':
    'members; adds your reaction: one emoji (URL-encoded) or a short name (`+1`, `heart`, `tada`, …); idempotent; 409 on a deleted message or a timeline line, 403 in a read-only conversation; members get `message_updated` with a new `rev`; `LIMIT_REACTIONS`',
  'DELETE /api/messages/{id}/reactions/{emoji}':
    'members; removes your reaction (soft delete); idempotent; members get `message_updated` with a new `rev`; `LIMIT_REACTIONS`',
  'POST /api/attachments':
    'members of a writable conversation; the body is the file’s raw bytes with its `Content-Type`; checked against its bytes; `ATTACHMENT_MAX_BYTES`, `LIMIT_UPLOADS`, `LIMIT_UPLOAD_BYTES`, `UPLOAD_QUOTA_BYTES` (413 `quota_exceeded`), 408 `request_timeout` for a trickle',
  'GET /api/search':
    'signed in; live messages of your conversations (one with `conversationId`: 404 if you are not in it), newest first; `q`: words (all must appear), `"phrases"`, `prefix*`, any case and accents; 400 `validation_failed` for a query it cannot read; `snippet` marks hits with `<mark>`…`</mark>` as plain text, never HTML; `limit` ≤ 50, pass `nextCursor` back as `cursor` (a page can be short, even empty, and still have one: on MySQL one request reads at most `SEARCH_SCAN_ROWS` messages); `LIMIT_SEARCHES`',
  'GET /api/attachments/{id}':
    'members; the bytes with `Content-Disposition: attachment` and `X-Content-Type-Options: nosniff`',
  'GET /api/me/notification-settings':
    'signed in; `email`: which unread messages email you while no socket of yours is open (`off`, `direct_and_mentions` (default), `all`); `presenceVisible`: whether others see you online',
  'PATCH /api/me/notification-settings':
    'signed in; either field or both, nothing else (400); a change of `presenceVisible` is published on the bus (`users` channel, `user_updated`) for presence; `LIMIT_PROFILE_CHANGES`',
  'POST /api/notifications/unsubscribe':
    'anyone with the link of a notification email, no sign-in: the token in the JSON body, or in the query string with the RFC 8058 one-click body `List-Unsubscribe=One-Click` (form-encoded or multipart); turns `email` off; using it again changes nothing; 400 `invalid_token` for a forged, expired or foreign token; `LIMIT_TOKEN_IP`',
  'GET /api/notifications/unsubscribe':
    'anyone; never unsubscribes: 303 to the web page `/unsubscribe?token=…`, which asks first (for mail clients that open the List-Unsubscribe link in a browser)',
};

export const CLIENT_FRAME_NOTES: Readonly<Record<string, string>> = {
  auth: 'first frame when the upgrade carried no session cookie; within 5 s, else close 4401',
  resume:
    'per conversation, the last `seq` seen (or `{ seq, rev }` to get edits, deletes and reaction changes too); the server replays what came after, in order, then sends `resumed`',
  send: 'answered by `ack` once stored (or `error` naming the `clientId`); the same `clientId` again returns the same message; `replyToId` as for HTTP',
  typing: 'shown to the other members; throttled per conversation, `LIMIT_TYPING`',
  ping: 'answered by `pong`',
  activity:
    "this tab's activity for presence: `idle` when hidden or after 5 minutes without input, `active` again on input; a user is online while any socket is active, away while all are idle; spends the socket's frame budget (`LIMIT_WS_FRAMES`)",
};

export const SERVER_FRAME_NOTES: Readonly<Record<string, string>> = {
  ready:
    'authenticated; `expiresAt` is when the token this socket authenticated with runs out; `presence` lists the people you share a conversation with who are `online` or `away` (everyone else is offline)',
  resumed: 'the replay asked for by `resume` is complete; live events follow',
  ack: 'your `send` is stored; `message` is what was stored',
  error: 'a frame was refused; names its `clientId` when it was a `send`; the socket stays open',
  message:
    'a new message or timeline line (`kind: "system"`: added, removed, left, renamed) in one of your conversations, exactly once per connection, in seq order',
  message_updated:
    'an edit, a delete (a tombstone: empty body, `deletedAt` set) or a change of its `reactions`, with a new `rev`',
  typing: 'someone is typing in a conversation',
  read: 'someone moved their read marker',
  conversation: 'you were added to a conversation, or it changed (members, read-only)',
  conversation_removed: 'you are no longer a member (you left or were removed)',
  user_updated:
    'someone you share a conversation with (or you, in another tab) changed their display name; once per change, not replayed by `resume`',
  presence:
    'someone you share a conversation with went online, away or offline (offline only after `PRESENCE_GRACE_SECONDS` without a socket); hidden users are always offline; once per change',
  session_revoked: 'your session ended; the socket closes with 4001',
  session_expired: 'the token of this socket ran out; the socket closes with 4002',
  pong: 'the answer to `ping`',
};

/** By the contract's constant name (`WS_CLOSE_*`). */
export const CLOSE_NOTES: Readonly<Record<string, string>> = {
  WS_CLOSE_SESSION_REVOKED:
    '`session_revoked`: the session ended (logout, logout everywhere, ended from the sessions page, password change or reset, account deletion, operator revocation, signing key retired). Do not reconnect; sign in again',
  WS_CLOSE_SESSION_EXPIRED:
    '`session_expired`: the token this socket authenticated with ran out while the session may be live. Refresh the session (e.g. `GET /api/me`), then reconnect and `resume`; sign in again if that answers 401',
  WS_CLOSE_RATE_LIMITED:
    'the connection was refused for a limit (`LIMIT_WS_CONNECTS`, `LIMIT_WS_SOCKETS_PER_USER`, `LIMIT_WS_SOCKETS_PER_IP`), after a `rate_limited` error frame; reconnect after its `details.retryAfter`',
  WS_CLOSE_UNAUTHENTICATED:
    'no valid authentication: no `auth` frame within 5 s, or a token that is not valid',
};

export const ERROR_NOTES: Readonly<Record<contract.ErrorCode, string>> = {
  validation_failed: '`details`: `[{ path, message }]`, one per bad field; unknown fields are refused too',
  unauthenticated: 'no valid session (signed out, expired, revoked, deleted account)',
  invalid_credentials: 'wrong email or password, the same for both',
  invalid_token:
    'an emailed link that is unknown, used, expired or for another purpose; a sign-in challenge that is unknown, used, expired, out of attempts or older than a password change',
  forbidden:
    'not allowed: a cross-origin request with the cookie, a role that may not do this, a read-only conversation',
  email_not_verified: 'sign-in before the address was confirmed',
  reauthentication_required:
    'a sensitive action (password, email, second factors, other sessions, deletion) without a sign-in or `POST /api/auth/reauthenticate` in the last `REAUTH_MAX_AGE`',
  mfa_enrollment_required:
    '`REQUIRE_MFA` is on and the account has no second factor yet: only setting one up (and `GET /api/me`, re-authentication, sign-out) is open',
  not_found: 'does not exist, or the caller may not know it does',
  conflict:
    'the change conflicts with what is stored: a `clientId` already used in another conversation, an edit of or a reaction to a deleted message, a second authenticator app',
  payload_too_large: 'a body or upload over its size limit',
  unsupported_media_type:
    'a `Content-Type` the route does not take (JSON routes), or an upload type not allowed',
  rate_limited:
    'over a `LIMIT_*` rate: `Retry-After` header; `details`: `{ retryAfter }` in whole seconds (also in WebSocket error frames)',
  limit_reached:
    'a cap that waiting does not lift (`MAX_CONVERSATIONS_PER_USER`, `MAX_GROUP_MEMBERS`); `details`: `{ limit, max, userIds? }`; nothing changed',
  quota_exceeded: 'the upload would exceed `UPLOAD_QUOTA_BYTES`; nothing stored',
  request_timeout: 'the request (an upload) arrived too slowly and was cut off; the connection is closed',
  service_unavailable:
    'the database cannot be reached (any route: `Retry-After` header; WebSocket error frames: `details.retryAfter`), `GET /api/health/ready` found the database or Redis unreachable, or the server is shutting down; retry later',
  bad_request:
    'a request that makes no sense as sent: a `Content-Length` that does not match the body, a second `auth` frame',
  internal_error: 'a fault on the server; the message says nothing more',
};

/** Contract objects named in the tables instead of spelled out, recognised by their field names. */

import {
  AddMemberBody,
  AddPasskeyBody,
  Attachment,
  AttachmentUploadQuery,
  ChangeEmailBody,
  ChangePasswordBody,
  ConfirmEmailChangeBody,
  Conversation,
  ConversationList,
  ConversationSettingsBody,
  CreateConversationBody,
  DeleteMeBody,
  EditMessageBody,
  EmailOnlyBody,
  LoginBody,
  LoginMfaBody,
  LoginResponse,
  LoginResult,
  MemberRoleBody,
  Message,
  MessagePage,
  MfaStatus,
  NotificationSettings,
  PasskeyAuthenticationOptions,
  PasskeyOptionsBody,
  PasskeyRegistrationOptions,
  PasskeySignInBody,
  PasskeySummary,
  PublicUser,
  ReadMarkerBody,
  ReauthenticateBody,
  RecoveryCodes,
  RegisterBody,
  RenameConversationBody,
  RenamePasskeyBody,
  ResetPasswordBody,
  SearchResults,
  SecurityEventPage,
  SendMessageBody,
  SessionList,
  TotpConfirmBody,
  TotpEnrolment,
  UnsubscribeBody,
  UpdateMeBody,
  UpdateNotificationSettingsBody,
  User,
  UserEnvelope,
  VerifyEmailBody,
} from '@parley/contract';
import type { z } from 'zod';
import { NetworkError } from './api-error.js';

export { ApiError, describeError, type FieldErrors, isApiError, NetworkError } from './api-error.js';

import { announce, body, errorFrom, request, validate } from './request.js';

export { onMfaEnrolmentRequired, onUnauthenticated } from './request.js';

/** Every account and session route of docs/api.md. */
export const api = {
  register: (input: z.input<typeof RegisterBody>) =>
    request({ method: 'POST', path: '/auth/register', body: body(RegisterBody, input) }),
  verifyEmail: (input: z.input<typeof VerifyEmailBody>) =>
    request({
      method: 'POST',
      path: '/auth/verify-email',
      body: body(VerifyEmailBody, input),
      response: UserEnvelope,
    }),
  resendVerification: (input: z.input<typeof EmailOnlyBody>) =>
    request({ method: 'POST', path: '/auth/resend-verification', body: body(EmailOnlyBody, input) }),
  /** Signed in (`{ user, token }`), or `{ mfaRequired, challenge, methods }` for the second step. */
  login: (input: z.input<typeof LoginBody>) =>
    request({ method: 'POST', path: '/auth/login', body: body(LoginBody, input), response: LoginResult }),
  loginMfa: (input: z.input<typeof LoginMfaBody>) =>
    request({
      method: 'POST',
      path: '/auth/login/mfa',
      body: body(LoginMfaBody, input),
      response: LoginResponse,
    }),
  reauthenticate: (input: z.input<typeof ReauthenticateBody>) =>
    request({ method: 'POST', path: '/auth/reauthenticate', body: body(ReauthenticateBody, input) }),
  logout: () => request({ method: 'POST', path: '/auth/logout' }),
  logoutAll: () => request({ method: 'POST', path: '/auth/logout-all' }),
  forgotPassword: (input: z.input<typeof EmailOnlyBody>) =>
    request({ method: 'POST', path: '/auth/forgot-password', body: body(EmailOnlyBody, input) }),
  resetPassword: (input: z.input<typeof ResetPasswordBody>) =>
    request({ method: 'POST', path: '/auth/reset-password', body: body(ResetPasswordBody, input) }),
  changePassword: (input: z.input<typeof ChangePasswordBody>) =>
    request({ method: 'POST', path: '/auth/change-password', body: body(ChangePasswordBody, input) }),
  me: () => request({ method: 'GET', path: '/me', response: User }),
  updateMe: (input: z.input<typeof UpdateMeBody>) =>
    request({ method: 'PATCH', path: '/me', body: body(UpdateMeBody, input), response: User }),
  deleteMe: (input: z.input<typeof DeleteMeBody>) =>
    request({ method: 'DELETE', path: '/me', body: body(DeleteMeBody, input) }),
  sessions: () => request({ method: 'GET', path: '/sessions', response: SessionList }),
  mfaStatus: () => request({ method: 'GET', path: '/me/mfa', response: MfaStatus }),
  startTotp: () => request({ method: 'POST', path: '/me/mfa/totp', response: TotpEnrolment }),
  confirmTotp: (input: z.input<typeof TotpConfirmBody>) =>
    request({
      method: 'POST',
      path: '/me/mfa/totp/confirm',
      body: body(TotpConfirmBody, input),
      response: RecoveryCodes,
    }),
  disableTotp: () => request({ method: 'DELETE', path: '/me/mfa/totp' }),
  /** Options for a passkey-only sign-in, the second step (`{ challenge }`) or a re-authentication. */
  passkeyOptions: (input: z.input<typeof PasskeyOptionsBody> = {}) =>
    request({
      method: 'POST',
      path: '/auth/passkey/options',
      body: body(PasskeyOptionsBody, input),
      response: PasskeyAuthenticationOptions,
    }),
  passkeySignIn: (input: z.input<typeof PasskeySignInBody>) =>
    request({
      method: 'POST',
      path: '/auth/passkey',
      body: body(PasskeySignInBody, input),
      response: LoginResponse,
    }),
  passkeyRegistrationOptions: () =>
    request({ method: 'POST', path: '/me/passkeys/options', response: PasskeyRegistrationOptions }),
  addPasskey: (input: z.input<typeof AddPasskeyBody>) =>
    request({
      method: 'POST',
      path: '/me/passkeys',
      body: body(AddPasskeyBody, input),
      response: PasskeySummary,
    }),
  renamePasskey: (id: string, input: z.input<typeof RenamePasskeyBody>) =>
    request({
      method: 'PATCH',
      path: `/me/passkeys/${encodeURIComponent(id)}`,
      body: body(RenamePasskeyBody, input),
      response: PasskeySummary,
    }),
  removePasskey: (id: string) =>
    request({ method: 'DELETE', path: `/me/passkeys/${encodeURIComponent(id)}` }),
  regenerateRecoveryCodes: () =>
    request({ method: 'POST', path: '/me/mfa/recovery-codes', response: RecoveryCodes }),
  changeEmail: (input: z.input<typeof ChangeEmailBody>) =>
    request({ method: 'POST', path: '/me/email', body: body(ChangeEmailBody, input) }),
  confirmEmailChange: (input: z.input<typeof ConfirmEmailChangeBody>) =>
    request({
      method: 'POST',
      path: '/auth/confirm-email-change',
      body: body(ConfirmEmailChangeBody, input),
      response: User,
    }),
  /** One page of the security log, newest first; pass the previous page's `nextCursor` for the next. */
  securityEvents: (query: { cursor?: string; limit?: number } = {}) => {
    const params = new URLSearchParams();
    if (query.cursor) params.set('cursor', query.cursor);
    if (query.limit !== undefined) params.set('limit', String(query.limit));
    const search = params.size > 0 ? `?${params}` : '';
    return request({ method: 'GET', path: `/me/security-events${search}`, response: SecurityEventPage });
  },
  notificationSettings: () =>
    request({ method: 'GET', path: '/me/notification-settings', response: NotificationSettings }),
  updateNotificationSettings: (input: z.input<typeof UpdateNotificationSettingsBody>) =>
    request({
      method: 'PATCH',
      path: '/me/notification-settings',
      body: body(UpdateNotificationSettingsBody, input),
      response: NotificationSettings,
    }),
  /** The one-click unsubscribe of a notification email; works signed out. */
  unsubscribe: (input: z.input<typeof UnsubscribeBody>) =>
    request({ method: 'POST', path: '/notifications/unsubscribe', body: body(UnsubscribeBody, input) }),
  revokeSession: (id: string) => request({ method: 'DELETE', path: `/sessions/${encodeURIComponent(id)}` }),

  // Conversations and messages
  lookupUser: (email: string) =>
    request({
      method: 'GET',
      path: `/users/lookup?${new URLSearchParams({ email })}`,
      response: PublicUser,
    }),
  /** One page of conversations, newest activity first; pass the previous page's `nextCursor` for the next. */
  conversations: (query: { cursor?: string; limit?: number; archived?: boolean } = {}) => {
    const params = new URLSearchParams();
    if (query.cursor) params.set('cursor', query.cursor);
    if (query.limit !== undefined) params.set('limit', String(query.limit));
    if (query.archived) params.set('archived', 'true');
    const search = params.size > 0 ? `?${params}` : '';
    return request({ method: 'GET', path: `/conversations${search}`, response: ConversationList });
  },
  conversation: (id: string) =>
    request({ method: 'GET', path: `/conversations/${enc(id)}`, response: Conversation }),
  createConversation: (input: z.input<typeof CreateConversationBody>) =>
    request({
      method: 'POST',
      path: '/conversations',
      body: body(CreateConversationBody, input),
      response: Conversation,
    }),
  addMember: (conversationId: string, userId: string) =>
    request({
      method: 'POST',
      path: `/conversations/${enc(conversationId)}/members`,
      body: body(AddMemberBody, { userId }),
    }),
  removeMember: (conversationId: string, userId: string) =>
    request({ method: 'DELETE', path: `/conversations/${enc(conversationId)}/members/${enc(userId)}` }),
  /** A group's new title (owner and admins). */
  renameConversation: (conversationId: string, title: string) =>
    request({
      method: 'PATCH',
      path: `/conversations/${enc(conversationId)}`,
      body: body(RenameConversationBody, { title }),
      response: Conversation,
    }),
  /** Makes a member an admin, or an admin a member again (the owner only). */
  setMemberRole: (conversationId: string, userId: string, role: 'admin' | 'member') =>
    request({
      method: 'PUT',
      path: `/conversations/${enc(conversationId)}/members/${enc(userId)}/role`,
      body: body(MemberRoleBody, { role }),
    }),
  /** Your own settings of a conversation: muted, archived. */
  conversationSettings: (conversationId: string, settings: z.input<typeof ConversationSettingsBody>) =>
    request({
      method: 'PATCH',
      path: `/conversations/${enc(conversationId)}/settings`,
      body: body(ConversationSettingsBody, settings),
      response: Conversation,
    }),
  messages: (
    conversationId: string,
    query: { before?: number; after?: number; around?: number; limit?: number } = {},
  ) => {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) if (value !== undefined) params.set(key, String(value));
    return request({
      method: 'GET',
      path: `/conversations/${enc(conversationId)}/messages?${params}`,
      response: MessagePage,
    });
  },
  sendMessage: (conversationId: string, input: z.input<typeof SendMessageBody>) =>
    request({
      method: 'POST',
      path: `/conversations/${enc(conversationId)}/messages`,
      body: body(SendMessageBody, input),
      response: Message,
    }),
  editMessage: (messageId: string, text: string) =>
    request({
      method: 'PATCH',
      path: `/messages/${enc(messageId)}`,
      body: body(EditMessageBody, { body: text }),
      response: Message,
    }),
  deleteMessage: (messageId: string) => request({ method: 'DELETE', path: `/messages/${enc(messageId)}` }),
  /** Adds (`on`) or removes the user's reaction; idempotent. The change comes back as `message_updated`. */
  react: (messageId: string, emoji: string, on: boolean) =>
    request({
      method: on ? 'PUT' : 'DELETE',
      path: `/messages/${enc(messageId)}/reactions/${enc(emoji)}`,
    }),
  markRead: (conversationId: string, seq: number) =>
    request({
      method: 'POST',
      path: `/conversations/${enc(conversationId)}/read`,
      body: body(ReadMarkerBody, { seq }),
    }),
  uploadAttachment,
  /** Message search (docs/api.md, Search): newest first, a page at a time. */
  search: (query: { q: string; conversationId?: string; cursor?: string; limit?: number }) => {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) if (value !== undefined) params.set(key, String(value));
    return request({ method: 'GET', path: `/search?${params}`, response: SearchResults });
  },
};

function enc(segment: string): string {
  return encodeURIComponent(segment);
}

export interface UploadOptions {
  /** Called with bytes sent so far and the total, as the upload progresses. */
  onProgress?(sent: number, total: number): void;
  signal?: AbortSignal;
}

/**
 * Uploads one file as raw bytes with its own Content-Type. XMLHttpRequest rather than fetch: it reports
 * upload progress. Same origin, so the session cookie and the Origin header go with it.
 */
function uploadAttachment(
  conversationId: string,
  file: File,
  options: UploadOptions = {},
): Promise<Attachment> {
  // NFC first (macOS names files in NFD), then at most 200 UTF-16 units without splitting a surrogate pair.
  let name = file.name.normalize('NFC').slice(0, 200);
  if (/[\uD800-\uDBFF]$/.test(name)) name = name.slice(0, -1);
  let checked: z.output<typeof AttachmentUploadQuery>;
  try {
    checked = validate(AttachmentUploadQuery, { conversationId, name: name.trim() === '' ? 'file' : name });
  } catch (error) {
    return Promise.reject(error);
  }
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    const query = new URLSearchParams({ conversationId, name: checked.name ?? 'file' });
    xhr.open('POST', `/api/attachments?${query}`);
    xhr.setRequestHeader('Content-Type', file.type || 'application/octet-stream');
    xhr.setRequestHeader('Accept', 'application/json');
    xhr.responseType = 'text';
    xhr.upload.onprogress = (event) => {
      options.onProgress?.(event.loaded, event.lengthComputable ? event.total : file.size);
    };
    const json = (): unknown => {
      try {
        return JSON.parse(xhr.responseText);
      } catch {
        return undefined;
      }
    };
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        const parsed = Attachment.safeParse(json());
        if (parsed.success) resolve(parsed.data);
        else reject(new NetworkError('Unexpected answer from the upload'));
        return;
      }
      reject(announce(errorFrom(json(), xhr.status, xhr.getResponseHeader('Retry-After'))));
    };
    xhr.onerror = () => reject(new NetworkError('Network request failed'));
    xhr.onabort = () => reject(new DOMException('Upload cancelled', 'AbortError'));
    options.signal?.addEventListener('abort', () => xhr.abort(), { once: true });
    xhr.send(file);
  });
}

import { z } from 'zod';
import { Id, PublicUser } from './auth.js';
import { ReactionEmoji } from './reactions.js';
import { stripNul, VisibleName } from './text.js';

/**
 * Message text: 1–4,000 characters (code points), stored as sent except that NUL characters are removed;
 * not only whitespace. Everything else is kept as typed (emoji ZWJ sequences, right-to-left text, marks):
 * a message is shown as the sender's words, never as a name.
 */
export const MessageBody = z
  .string()
  .overwrite(stripNul)
  .refine((value) => [...value].length <= 4000, { message: 'must be at most 4000 characters' });

/** Client-chosen UUID that makes a send idempotent: the same clientId returns the stored message. */
export const ClientId = z.uuid({ message: 'must be a UUID' });

/** Per-conversation position: message seq numbers start at 1. */
export const Seq = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

export const ConversationType = z.enum(['direct', 'group']);
export type ConversationType = z.infer<typeof ConversationType>;

export const MemberRole = z.enum(['owner', 'admin', 'member']);
export type MemberRole = z.infer<typeof MemberRole>;

/** An attachment as a message shows it. */
export const Attachment = z.object({
  id: z.string(),
  name: z.string(),
  size: z.number().int(),
  contentType: z.string(),
});
export type Attachment = z.infer<typeof Attachment>;

/** One emoji on a message: how many people reacted with it and who, in the order they did. */
export const Reaction = z.object({
  emoji: z.string(),
  count: z.number().int(),
  userIds: z.array(z.string()),
});
export type Reaction = z.infer<typeof Reaction>;

/**
 * The message a reply answers, as it is now (read with the reply): its sender and the start of its text
 * (`excerpt`, at most 100 characters, whitespace folded). A deleted original keeps its place with
 * `deleted: true` and an empty excerpt.
 */
export const ReplyTo = z.object({
  id: z.string(),
  seq: z.number().int(),
  senderId: z.string(),
  excerpt: z.string(),
  deleted: z.boolean(),
});
export type ReplyTo = z.infer<typeof ReplyTo>;

/** `text`: a member's message; `system`: a timeline line ("added", "removed", "left", "renamed"). */
export const MessageKind = z.enum(['text', 'system']);
export type MessageKind = z.infer<typeof MessageKind>;

export const SystemEventKind = z.enum(['added', 'removed', 'left', 'renamed']);
export type SystemEventKind = z.infer<typeof SystemEventKind>;

/**
 * What a timeline line records: `actorId` did `event` — added or removed `targetId`, left, or renamed
 * the group to `title`. Stored in the conversation's seq (ADR 0020), so it arrives live and through
 * resume/history like a message; its `body` is empty, it is never edited, deleted, reacted or replied to,
 * and it does not count as unread.
 */
export const SystemEvent = z.object({
  event: SystemEventKind,
  actorId: z.string(),
  targetId: z.string().optional(),
  /** The new title, for `renamed`. */
  title: z.string().optional(),
});
export type SystemEvent = z.infer<typeof SystemEvent>;

/**
 * A message; a deleted one keeps id, seq, senderId, deletedAt and replyTo, with an empty body, no
 * attachments and no reactions.
 */
export const Message = z.object({
  id: z.string(),
  conversationId: z.string(),
  seq: z.number().int(),
  /** Change counter of the conversation at this message's last change (create, edit, delete, reaction). */
  rev: z.number().int(),
  senderId: z.string(),
  clientId: z.string(),
  body: z.string(),
  attachments: z.array(Attachment),
  createdAt: z.string(),
  editedAt: z.string().nullable(),
  deletedAt: z.string().nullable(),
  /** Each emoji once, in the order it was first used; every change comes with a new `rev`. */
  reactions: z.array(Reaction),
  /** The message this one replies to, or null. */
  replyTo: ReplyTo.nullable(),
  /**
   * Members the sender mentioned, as chosen at send (fixed: an edit does not change them); empty for a
   * deleted message.
   */
  mentionIds: z.array(z.string()),
  /** `system` for a timeline line (then `system` says what happened, and `body` is empty). */
  kind: MessageKind,
  /** What a timeline line records; null for a member's message. */
  system: SystemEvent.nullable(),
});
export type Message = z.infer<typeof Message>;

export const Member = PublicUser.extend({ role: MemberRole });
export type Member = z.infer<typeof Member>;

export const Conversation = z.object({
  id: z.string(),
  type: ConversationType,
  title: z.string().nullable(),
  members: z.array(Member),
  lastMessage: Message.nullable(),
  unreadCount: z.number().int(),
  /** Unread messages (after your read marker, not deleted, not yours) that mention you. */
  mentionCount: z.number().int(),
  lastSeq: z.number().int(),
  /** The conversation's change counter; resume from it to get edits and deletes too. */
  lastRev: z.number().int(),
  /** Your read marker. */
  lastReadSeq: z.number().int(),
  updatedAt: z.string(),
  /**
   * True when nobody may send, edit, upload or show typing here any more; history stays readable and
   * your own messages can still be deleted. Today that is a direct conversation whose other person
   * deleted their account (`peerDeleted`). Added later: older servers leave it out, which means false.
   */
  readOnly: z
    .boolean()
    .optional()
    .describe('True when nobody may send, edit, upload or show typing here any more; absent means false.'),
  /**
   * People who were members and left or were removed (a deleted account shows as "Deleted user"), so
   * their messages and read receipts keep a name. Added later: older servers leave it out.
   */
  formerMembers: z
    .array(PublicUser)
    .optional()
    .describe(
      'Members who left or were removed, for the names on their messages; absent from older servers.',
    ),
  /** True in a direct conversation whose other person deleted their account (they show as "Deleted user"). */
  peerDeleted: z
    .boolean()
    .optional()
    .describe('True in a direct conversation whose other person deleted their account.'),
  /** You muted it: its unread messages count in no total and trigger no notification. */
  muted: z.boolean(),
  /**
   * You archived it and nothing was posted since: it is left out of the default list
   * (`GET /api/conversations?archived=true` lists these). Any new message or timeline line ends it.
   */
  archived: z.boolean(),
});
export type Conversation = z.infer<typeof Conversation>;

/** PATCH /api/conversations/:id (owner and admins of a group) */
export const RenameConversationBody = z.strictObject({
  /** 1–200 characters, trimmed, NFC, nothing hidden (see `VisibleName`), as when creating a group. */
  title: VisibleName(200),
});
export type RenameConversationBody = z.infer<typeof RenameConversationBody>;

/** PUT /api/conversations/:id/members/:userId/role (the group's owner) */
export const MemberRoleBody = z.strictObject({ role: z.enum(['admin', 'member']) });
export type MemberRoleBody = z.infer<typeof MemberRoleBody>;

/** PATCH /api/conversations/:id/settings: your own settings of a conversation; at least one. */
export const ConversationSettingsBody = z
  .strictObject({ muted: z.boolean().optional(), archived: z.boolean().optional() })
  .refine((body) => body.muted !== undefined || body.archived !== undefined, {
    message: 'give muted, archived or both',
  });
export type ConversationSettingsBody = z.infer<typeof ConversationSettingsBody>;

/** POST /api/conversations */
export const CreateConversationBody = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('direct'), memberIds: z.array(Id).length(1) }),
  z.strictObject({
    type: z.literal('group'),
    /** 1–200 characters, trimmed, NFC, nothing hidden (see `VisibleName`). */
    title: VisibleName(200),
    memberIds: z.array(Id).max(999),
  }),
]);
export type CreateConversationBody = z.infer<typeof CreateConversationBody>;

/** GET /api/conversations?cursor=&limit=&archived= — `cursor` is a previous page's `nextCursor`, as given. */
export const ConversationsQuery = z.strictObject({
  cursor: z
    .string()
    .min(1)
    .max(300)
    .regex(/^[A-Za-z0-9_-]+$/, { message: 'is not a cursor from this API' })
    .optional(),
  limit: z.coerce.number().int().min(1).max(100).default(50),
  /** `true`: only the conversations you archived; `false` (default): the others. */
  archived: z
    .enum(['true', 'false'])
    .default('false')
    .transform((value) => value === 'true'),
});
export type ConversationsQuery = z.infer<typeof ConversationsQuery>;

/** One page of conversations, newest activity first; `nextCursor` is null on the last page. */
export const ConversationList = z.object({
  conversations: z.array(Conversation),
  nextCursor: z.string().nullable(),
});
export type ConversationList = z.infer<typeof ConversationList>;

/** `details` of a 409 `limit_reached`: which cap, its value, and (for a per-user cap) who is at it. */
export const LimitReachedDetails = z.object({
  limit: z.enum(['conversations_per_user', 'group_members', 'passkeys_per_user']),
  max: z.number().int(),
  userIds: z.array(z.string()).optional(),
});
export type LimitReachedDetails = z.infer<typeof LimitReachedDetails>;

/** POST /api/conversations/:id/members */
export const AddMemberBody = z.strictObject({ userId: Id });
export type AddMemberBody = z.infer<typeof AddMemberBody>;

export const MemberParams = z.strictObject({ id: Id, userId: Id });
export type MemberParams = z.infer<typeof MemberParams>;

const seqParam = z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

/** GET /api/conversations/:id/messages?before=&after=&around=&limit= */
export const MessagesQuery = z
  .strictObject({
    before: seqParam.optional(),
    after: seqParam.optional(),
    /** History around one message: it, up to half of `limit` before it, the rest after it. */
    around: seqParam.optional(),
    limit: z.coerce.number().int().min(1).max(100).default(50),
  })
  .refine((q) => [q.before, q.after, q.around].filter((v) => v !== undefined).length <= 1, {
    message: 'use one of before, after or around',
  });
export type MessagesQuery = z.infer<typeof MessagesQuery>;

/**
 * A page of messages in seq order. `hasMore`: older ones exist before it (newer ones, for `after`).
 * `hasMoreAfter` (only with `around`): newer ones exist after it.
 */
export const MessagePage = z.object({
  messages: z.array(Message),
  hasMore: z.boolean(),
  hasMoreAfter: z.boolean().optional(),
});
export type MessagePage = z.infer<typeof MessagePage>;

/** At most this many people a message can mention. */
export const MAX_MENTIONS = 50;

/** Who a message mentions: active members of its conversation, each once (repeats are folded). */
export const MentionIds = z.array(Id).max(MAX_MENTIONS);

/** POST /api/conversations/:id/messages */
export const SendMessageBody = z.strictObject({
  clientId: ClientId,
  body: MessageBody,
  attachmentIds: z.array(Id).max(10).optional(),
  /** The message this one answers: a message of the same conversation (a deleted one too). */
  replyToId: Id.optional(),
  /** Members this message mentions (`@Name` in the text); anyone else is refused with 400. */
  mentionIds: MentionIds.optional(),
});
export type SendMessageBody = z.infer<typeof SendMessageBody>;

/** PATCH /api/messages/:id */
export const EditMessageBody = z.strictObject({ body: MessageBody });
export type EditMessageBody = z.infer<typeof EditMessageBody>;

/** PUT and DELETE /api/messages/:id/reactions/:emoji */
export const ReactionParams = z.strictObject({ id: Id, emoji: ReactionEmoji });
export type ReactionParams = z.infer<typeof ReactionParams>;

/** POST /api/conversations/:id/read */
export const ReadMarkerBody = z.strictObject({ seq: Seq });
export type ReadMarkerBody = z.infer<typeof ReadMarkerBody>;

/** POST /api/attachments?conversationId= */
export const AttachmentUploadQuery = z.strictObject({
  conversationId: Id,
  /** The file's name as shown to members: 1–200 characters, NFC, nothing hidden (see `VisibleName`). */
  name: VisibleName(200).optional(),
});
export type AttachmentUploadQuery = z.infer<typeof AttachmentUploadQuery>;

import type { Conversation, Member, Message } from '@parley/contract';

/** What a conversation is called: a group's title, or the other person's name in a direct message. */
export function conversationName(conversation: Conversation, me: string): string {
  if (conversation.type === 'group') return conversation.title ?? 'Untitled group';
  const other = conversation.members.find((member) => member.id !== me);
  return other?.displayName ?? 'Just you';
}

export function memberName(members: readonly Member[], id: string, me: string): string {
  if (id === me) return 'You';
  return members.find((member) => member.id === id)?.displayName ?? 'Former member';
}

/** One line for the conversation list: "You: …", "Ada: …", a deleted or attachment-only message. */
export function previewOf(conversation: Conversation, me: string): string {
  const message: Message | null = conversation.lastMessage;
  if (!message) return 'No messages yet';
  const who = memberName(conversation.members, message.senderId, me);
  const prefix = conversation.type === 'group' || message.senderId === me ? `${who}: ` : '';
  if (message.deletedAt) return `${prefix}Message deleted`;
  const text = message.body.replace(/\s+/g, ' ').trim();
  if (text) return `${prefix}${text}`;
  const count = message.attachments.length;
  return `${prefix}${count === 1 ? 'Sent an attachment' : `Sent ${count} attachments`}`;
}

export function initialOf(name: string): string {
  return [...name.trim()][0]?.toUpperCase() ?? '?';
}

const timeOnly = new Intl.DateTimeFormat(undefined, { timeStyle: 'short' });
const dayAndTime = new Intl.DateTimeFormat(undefined, {
  month: 'short',
  day: 'numeric',
  hour: 'numeric',
  minute: '2-digit',
});
const dayOnly = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric' });

function sameDay(a: Date, b: Date): boolean {
  return a.getFullYear() === b.getFullYear() && a.getMonth() === b.getMonth() && a.getDate() === b.getDate();
}

/** "14:05" today, "Mar 3, 14:05" otherwise. */
export function messageTime(iso: string, now = new Date()): string {
  const date = new Date(iso);
  return sameDay(date, now) ? timeOnly.format(date) : dayAndTime.format(date);
}

/** "14:05" today, "Mar 3" otherwise: the list's compact time. */
export function listTime(iso: string, now = new Date()): string {
  const date = new Date(iso);
  return sameDay(date, now) ? timeOnly.format(date) : dayOnly.format(date);
}

export function fileSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(bytes < 10 * 1024 ? 1 : 0)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

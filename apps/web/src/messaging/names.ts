import type { Conversation, Message } from '@parley/contract';
import { plainText } from './markdown-parse.js';

/** What a conversation is called: a group's title, or the other person's name in a direct message. */
export function conversationName(conversation: Conversation, me: string): string {
  if (conversation.type === 'group') return conversation.title ?? 'Untitled group';
  const other = conversation.members.find((member) => member.id !== me);
  return other?.displayName ?? 'Just you';
}

/** Who a conversation knows by name: its members, and those who left or were removed. */
/** Whom a conversation can name: its members and, when the server says, its former members. */
export interface People {
  readonly members: readonly Conversation['members'][number][];
  readonly formerMembers?: Conversation['formerMembers'];
}

/**
 * A person as the conversation names them: "You", a member's name, a former member's name marked
 * "(left)", or "Former member" when an older server did not say who that was.
 */
export function memberName(people: People, id: string, me: string): string {
  if (id === me) return 'You';
  const member = people.members.find((candidate) => candidate.id === id);
  if (member) return member.displayName;
  const former = people.formerMembers?.find((candidate) => candidate.id === id);
  return former ? `${former.displayName} (left)` : 'Former member';
}

/**
 * What a timeline line says, with names as the conversation gives them: "Ada added Cyd", "You removed
 * Cyd", "Dan left", "Ada renamed the group to “Launch”".
 */
export function systemEventText(people: People, message: Message, me: string): string {
  const event = message.system;
  if (!event) return '';
  // The line itself says who left or was removed: names go without the "(left)" marker.
  const name = (id: string) => memberName(people, id, me).replace(/ \(left\)$/, '');
  const actor = name(event.actorId);
  const target = event.targetId === undefined ? 'someone' : name(event.targetId);
  switch (event.event) {
    case 'added':
      return `${actor} added ${target === 'You' ? 'you' : target}`;
    case 'removed':
      return `${actor} removed ${target === 'You' ? 'you' : target}`;
    case 'left':
      return `${actor} left`;
    case 'renamed':
      return `${actor} renamed the group to “${event.title ?? ''}”`;
  }
}

/** One line for the conversation list: "You: …", "Ada: …", a deleted or attachment-only message. */
export function previewOf(conversation: Conversation, me: string): string {
  const message: Message | null = conversation.lastMessage;
  if (!message) return 'No messages yet';
  if (message.kind === 'system') return systemEventText(conversation, message, me);
  const who = memberName(conversation, message.senderId, me);
  const prefix = conversation.type === 'group' || message.senderId === me ? `${who}: ` : '';
  if (message.deletedAt) return `${prefix}Message deleted`;
  const text = plainText(message.body);
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

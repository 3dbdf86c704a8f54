import type { Conversation, Message } from '@parley/contract';
import { type ConversationsState, INITIAL_LIST, reduceConversations } from './conversation-list.js';
import { EMPTY_THREAD, reduceThread, type Thread, type ThreadEvent } from './history.js';
import type { OnlineStatuses } from './online-status.js';
import { type Outbox, reduceOutbox } from './outbox.js';
import { type Presence, reducePresence } from './presence.js';
import type { SocketStatus } from './socket.js';

export type ConnectionStatus = SocketStatus | 'syncing' | 'live';

/**
 * Everything the messaging screens show. Each part has its own pure reducer (conversation-list.ts,
 * history.ts, outbox.ts, presence.ts, online-status.ts); the store (messaging-store.ts) applies them and owns the socket.
 */
export interface MessagingState extends ConversationsState, Presence, OnlineStatuses {
  readonly connection: ConnectionStatus;
  readonly threads: Readonly<Record<string, Thread>>;
  readonly outbox: Outbox;
  /** The latest polite announcement for screen readers (new message in the open conversation). */
  readonly announcement: string;
}

export const INITIAL_STATE: MessagingState = {
  connection: 'connecting',
  list: INITIAL_LIST,
  conversations: {},
  removed: {},
  threads: {},
  outbox: [],
  typing: {},
  readers: {},
  statuses: {},
  announcement: '',
};

/** The state with one thread changed; the same object when the thread did not change. */
export function withThread(state: MessagingState, id: string, event: ThreadEvent): MessagingState {
  const current = state.threads[id] ?? EMPTY_THREAD;
  const next = reduceThread(current, event);
  return next === current ? state : { ...state, threads: { ...state.threads, [id]: next } };
}

/** Who is looking, for what a live message changes. */
export interface Viewer {
  readonly userId: string;
  /** The socket has resumed: events are live, not a replay. */
  readonly live: boolean;
  /** The conversation on screen, if any. */
  readonly activeConversation: string | undefined;
}

/** What a screen reader hears for a new message in the open conversation. */
export function announcementOf(conversation: Conversation, message: Message): string {
  const sender = conversation.members.find((m) => m.id === message.senderId)?.displayName ?? 'Someone';
  const text = message.body.length > 140 ? `${message.body.slice(0, 140)}…` : message.body;
  return `${sender}: ${text || 'sent an attachment'}`;
}

/**
 * A message from the socket (new, an edit or delete, or our own acknowledged) into outbox, thread, list
 * and presence: our pending copy settles, the thread merges it once and in seq order, the list entry moves
 * forward, its sender stops typing, and a live new message in the open conversation is announced.
 */
export function messageArrived(
  state: MessagingState,
  message: Message,
  kind: 'new' | 'update' | 'ack',
  viewer: Viewer,
): MessagingState {
  const id = message.conversationId;
  let next: MessagingState = {
    ...state,
    outbox: reduceOutbox(state.outbox, { type: 'stored', message, userId: viewer.userId }),
  };
  next = withThread(
    next,
    id,
    kind === 'update' ? { type: 'updated', message } : { type: 'merged', messages: [message] },
  );
  const conversation = state.conversations[id];
  if (!conversation) return next;
  next = { ...next, ...reduceConversations(next, { type: 'message', message, userId: viewer.userId }) };
  if (message.seq <= conversation.lastSeq || message.senderId === viewer.userId) return next;
  next = { ...next, ...reducePresence(next, { type: 'sent', conversationId: id, userId: message.senderId }) };
  if (viewer.live && kind === 'new' && viewer.activeConversation === id) {
    next = { ...next, announcement: announcementOf(conversation, message) };
  }
  return next;
}

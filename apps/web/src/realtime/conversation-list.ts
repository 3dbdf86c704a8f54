import type { Conversation, ConversationList, Message, PublicUser } from '@parley/contract';

/**
 * How far the list is loaded (a page at a time, newest activity first). Whether a page is loading or
 * failed is the state of its request (the page queries of api/queries.ts), not kept here.
 */
export interface ListStatus {
  /** The first page has arrived. */
  readonly ready: boolean;
  /** Where the next page of older conversations starts; null once the oldest is loaded. */
  readonly nextCursor: string | null;
}

export interface ConversationsState {
  readonly conversations: Readonly<Record<string, Conversation>>;
  /** Conversations the user left or was removed from during this visit. */
  readonly removed: Readonly<Record<string, true>>;
  readonly list: ListStatus;
}

export const INITIAL_LIST: ListStatus = { ready: false, nextCursor: null };

/** When the conversation last saw activity, for "newest first". */
export function activityOf(conversation: Conversation): string {
  const last = conversation.lastMessage?.createdAt;
  return last && last > conversation.updatedAt ? last : conversation.updatedAt;
}

/** Newest activity first; ties by id, descending, as the API pages them, so the order is stable. */
export function byActivity(a: Conversation, b: Conversation): number {
  const left = activityOf(a);
  const right = activityOf(b);
  if (left !== right) return left < right ? 1 : -1;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

/** Sorted conversations, newest activity first. */
export function sortedConversations(conversations: ConversationsState['conversations']): Conversation[] {
  return Object.values(conversations).sort(byActivity);
}

/**
 * The conversations of one list, newest activity first: the ones the user archived (`archived`), or the
 * others (the default list). Archiving is per user and ends with the next message (see `withMessage`).
 */
export function listedConversations(
  conversations: ConversationsState['conversations'],
  archived: boolean,
): Conversation[] {
  return sortedConversations(conversations).filter((conversation) => conversation.archived === archived);
}

/**
 * What the server says about a conversation, merged with local knowledge: a snapshot older than what live
 * events delivered keeps the local last message and counters, and a read marker posted but not yet stored
 * when the snapshot was taken is kept.
 */
export function mergeInfo(local: Conversation | undefined, fetched: Conversation): Conversation {
  if (!local || fetched.lastRev >= local.lastRev) {
    if (local && local.lastReadSeq > fetched.lastReadSeq) {
      const allRead = local.lastReadSeq >= fetched.lastSeq;
      const unreadCount = allRead ? 0 : fetched.unreadCount;
      const mentionCount = allRead ? 0 : fetched.mentionCount;
      return { ...fetched, lastReadSeq: local.lastReadSeq, unreadCount, mentionCount };
    }
    return fetched;
  }
  return {
    ...local,
    members: fetched.members,
    formerMembers: fetched.formerMembers,
    title: fetched.title,
    type: fetched.type,
    muted: fetched.muted,
    // Archived at the snapshot, and nothing new arrived after it.
    archived: fetched.archived && local.lastSeq <= fetched.lastSeq,
  };
}

/**
 * A conversation after a live message (new, edited, or our own acknowledged): last message, counters and
 * activity move forward only; a message from someone else beyond the read marker is unread (a timeline
 * line — "added", "renamed"… — never is), and counts as a mention too when it mentions the user; anything
 * new ends an archiving, as on the server.
 */
export function withMessage(conversation: Conversation, message: Message, userId: string): Conversation {
  const isNew = message.seq > conversation.lastSeq;
  const fromOther = message.senderId !== userId;
  const unread = isNew && fromOther && message.kind !== 'system' && message.seq > conversation.lastReadSeq;
  const lastMessage =
    isNew || (conversation.lastMessage?.id === message.id && message.rev > conversation.lastMessage.rev)
      ? message
      : conversation.lastMessage;
  return {
    ...conversation,
    lastMessage,
    lastSeq: Math.max(conversation.lastSeq, message.seq),
    lastRev: Math.max(conversation.lastRev, message.rev),
    unreadCount: unread ? conversation.unreadCount + 1 : conversation.unreadCount,
    mentionCount:
      unread && message.mentionIds.includes(userId)
        ? conversation.mentionCount + 1
        : conversation.mentionCount,
    archived: isNew ? false : conversation.archived,
    updatedAt:
      isNew && message.createdAt > conversation.updatedAt ? message.createdAt : conversation.updatedAt,
  };
}

/**
 * Whether a live update may have lowered the conversation's mention count without saying so: a message
 * from someone else, unread, deleted, in a conversation with mentions outstanding — a tombstone carries no
 * mentions (the server drops them), so it may have been one of them. The counts are then fetched again.
 */
export function mayHaveDroppedAMention(
  conversation: Conversation,
  message: Message,
  userId: string,
): boolean {
  return (
    message.deletedAt !== null &&
    message.senderId !== userId &&
    message.seq > conversation.lastReadSeq &&
    conversation.mentionCount > 0
  );
}

/**
 * A conversation with a person's new display name wherever it lists them (members, former members); the
 * same object when it does not list them or already has that name.
 */
export function withUserRenamed(conversation: Conversation, user: PublicUser): Conversation {
  const rename = <T extends PublicUser>(people: readonly T[]): T[] | undefined =>
    people.some((person) => person.id === user.id && person.displayName !== user.displayName)
      ? people.map((person) =>
          person.id === user.id ? { ...person, displayName: user.displayName } : person,
        )
      : undefined;
  const members = rename(conversation.members);
  const formerMembers = conversation.formerMembers ? rename(conversation.formerMembers) : undefined;
  if (!members && !formerMembers) return conversation;
  return {
    ...conversation,
    ...(members ? { members } : {}),
    ...(formerMembers ? { formerMembers } : {}),
  };
}

export type ConversationsEvent =
  /** The first page, (re)loaded at start and after every reconnect. */
  | { type: 'first_page'; page: ConversationList }
  /** A page of older conversations, loaded from `cursor`. */
  | { type: 'more_loaded'; cursor: string; page: ConversationList }
  /** The API returned a conversation (created, fetched, membership changed) or the server announced it. */
  | { type: 'adopted'; conversation: Conversation }
  /** The user left or was removed. */
  | { type: 'forgotten'; conversationId: string }
  | { type: 'message'; message: Message; userId: string }
  /** The user read up to `seq`, here or (`elsewhere`) in another tab or device. */
  | { type: 'read'; conversationId: string; seq: number; elsewhere: boolean }
  /** Someone (a member, a former member, or the user) changed their display name. */
  | { type: 'user_renamed'; user: PublicUser };

function put(state: ConversationsState, conversation: Conversation): ConversationsState {
  return { ...state, conversations: { ...state.conversations, [conversation.id]: conversation } };
}

/**
 * The first page merged with what live events and later pages already told us. A conversation the first
 * page should hold but does not was left or removed meanwhile; one older than the page's last stays (a
 * later page holds it), and loading more goes on after it.
 */
function firstPage(
  state: ConversationsState,
  { conversations, nextCursor }: ConversationList,
): ConversationsState {
  const { ready } = state.list;
  const merged: Record<string, Conversation> = {};
  for (const fetched of conversations)
    merged[fetched.id] = mergeInfo(state.conversations[fetched.id], fetched);
  const last = conversations.at(-1);
  let keptOlder = false;
  for (const [id, local] of Object.entries(state.conversations)) {
    if (id in merged || state.removed[id]) continue;
    // Archived ones are never on the default list's pages (the Archived view loads them).
    if (local.archived) {
      merged[id] = local;
      continue;
    }
    // Conversations opened directly (deep link) before the list arrived stay known.
    const beyondPage = nextCursor !== null && (!last || byActivity(local, last) > 0);
    if (!ready || beyondPage) {
      merged[id] = local;
      if (beyondPage) keptOlder = true;
    }
  }
  // Pages already loaded further down stay loaded: continue after the oldest of them.
  const cursor = nextCursor === null || !keptOlder || !ready ? nextCursor : state.list.nextCursor;
  return {
    ...state,
    conversations: merged,
    list: { ready: true, nextCursor: cursor },
  };
}

/** The list after one event. */
export function reduceConversations(
  state: ConversationsState,
  event: ConversationsEvent,
): ConversationsState {
  switch (event.type) {
    case 'first_page':
      return firstPage(state, event.page);
    case 'more_loaded': {
      const conversations = { ...state.conversations };
      for (const fetched of event.page.conversations) {
        if (!state.removed[fetched.id])
          conversations[fetched.id] = mergeInfo(conversations[fetched.id], fetched);
      }
      // A refresh meanwhile may have moved the cursor on; this page is still true, so keep it.
      const nextCursor =
        state.list.nextCursor === event.cursor ? event.page.nextCursor : state.list.nextCursor;
      return { ...state, conversations, list: { ...state.list, nextCursor } };
    }
    case 'adopted': {
      const removed = { ...state.removed };
      delete removed[event.conversation.id];
      const merged = mergeInfo(state.conversations[event.conversation.id], event.conversation);
      return { ...put(state, merged), removed };
    }
    case 'forgotten': {
      const conversations = { ...state.conversations };
      delete conversations[event.conversationId];
      return { ...state, conversations, removed: { ...state.removed, [event.conversationId]: true } };
    }
    case 'message': {
      const conversation = state.conversations[event.message.conversationId];
      return conversation ? put(state, withMessage(conversation, event.message, event.userId)) : state;
    }
    case 'user_renamed': {
      let changed = false;
      const conversations: Record<string, Conversation> = {};
      for (const [id, conversation] of Object.entries(state.conversations)) {
        conversations[id] = withUserRenamed(conversation, event.user);
        if (conversations[id] !== conversation) changed = true;
      }
      return changed ? { ...state, conversations } : state;
    }
    case 'read': {
      const conversation = state.conversations[event.conversationId];
      if (!conversation) return state;
      if (event.elsewhere) {
        if (event.seq <= conversation.lastReadSeq) return state;
        const allRead = event.seq >= conversation.lastSeq;
        return put(state, {
          ...conversation,
          lastReadSeq: event.seq,
          unreadCount: allRead ? 0 : conversation.unreadCount,
          mentionCount: allRead ? 0 : conversation.mentionCount,
        });
      }
      if (
        event.seq <= conversation.lastReadSeq &&
        conversation.unreadCount === 0 &&
        conversation.mentionCount === 0
      )
        return state;
      return put(state, {
        ...conversation,
        lastReadSeq: Math.max(event.seq, conversation.lastReadSeq),
        unreadCount: 0,
        mentionCount: 0,
      });
    }
  }
}

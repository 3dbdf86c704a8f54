import type { Conversation, Message, PublicUser, ServerFrame } from '@parley/contract';
import type { ConversationsEvent } from './conversation-list.js';
import type { OnlineStatusEvent } from './online-status.js';
import type { PresenceEvent } from './presence.js';

/** How a message frame changes what the tab holds: a new one, an edit or delete, or our own send stored. */
export type MessageFrameKind = 'new' | 'update' | 'ack';

/** What the messaging store does with the server's frames, once each is read (see `dispatchFrame`). */
export interface FrameTarget {
  /** The `resume` is done: the tab is live. */
  resumed(): void;
  message(message: Message, kind: MessageFrameKind): void;
  /** A send (or another frame of this tab) was refused. */
  refused(frame: Extract<ServerFrame, { type: 'error' }>): void;
  /** Into the conversation list's reducer (conversation-list.ts). */
  list(event: ConversationsEvent): void;
  /** Into the typing and read-receipt reducer (presence.ts). */
  presence(event: PresenceEvent): void;
  /** Into the online-status reducer (online-status.ts). */
  statuses(event: OnlineStatusEvent): void;
  /** New to this tab (created, or added to it), or changed: the server follows it from now on. */
  conversation(conversation: Conversation): void;
  /** The user left it or was removed. */
  conversationRemoved(conversationId: string): void;
  /** Someone's new display name. */
  userRenamed(user: PublicUser): void;
}

/**
 * One frame from the server into the events of the pure reducers (conversation-list.ts, presence.ts,
 * online-status.ts) and the store's own steps; `userId` is the signed-in user's. `ready` is the socket's
 * (socket.ts); unknown frames are ignored (a newer server).
 */
export function dispatchFrame(frame: ServerFrame, userId: string, target: FrameTarget): void {
  switch (frame.type) {
    case 'resumed':
      target.resumed();
      return;
    case 'message':
      target.message(frame.message, 'new');
      return;
    case 'message_updated':
      target.message(frame.message, 'update');
      return;
    case 'ack':
      target.message(frame.message, 'ack');
      return;
    case 'error':
      target.refused(frame);
      return;
    case 'typing':
      target.presence({
        type: 'typing',
        conversationId: frame.conversationId,
        userId: frame.userId,
        now: Date.now(),
      });
      return;
    case 'read':
      if (frame.userId === userId) {
        // Read in another tab or device.
        target.list({ type: 'read', conversationId: frame.conversationId, seq: frame.seq, elsewhere: true });
      } else {
        target.presence({
          type: 'read',
          conversationId: frame.conversationId,
          userId: frame.userId,
          seq: frame.seq,
        });
      }
      return;
    case 'conversation':
      target.conversation(frame.conversation);
      return;
    case 'conversation_removed':
      target.conversationRemoved(frame.conversationId);
      return;
    case 'user_updated':
      target.userRenamed(frame.user);
      return;
    case 'presence':
      target.statuses({ type: 'presence', userId: frame.userId, status: frame.status });
      return;
    default:
      return;
  }
}

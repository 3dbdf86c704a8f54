import type { Message } from '@parley/contract';
import { api } from '../api/client.js';
import type { ThreadEvent } from './history.js';

type Thread = (id: string, event: ThreadEvent) => void;

/** Deletes a message: shown deleted at once; the `message_updated` event (higher rev) brings the server's copy. */
export async function removeMessage(message: Message, thread: Thread): Promise<void> {
  await api.deleteMessage(message.id);
  thread(message.conversationId, { type: 'deleted', messageId: message.id, at: new Date().toISOString() });
}

/**
 * Adds (`on`) or removes the user's reaction: shown at once, undone if the API refuses (the error is
 * thrown for the caller to show). The server's `message_updated` (a higher rev) replaces the local copy.
 */
export async function react(
  message: Message,
  emoji: string,
  on: boolean,
  userId: string,
  thread: Thread,
): Promise<void> {
  const id = message.conversationId;
  const event = { type: 'reacted', messageId: message.id, emoji, userId } as const;
  thread(id, { ...event, on });
  try {
    await api.react(message.id, emoji, on);
  } catch (error) {
    thread(id, { ...event, on: !on });
    throw error;
  }
}

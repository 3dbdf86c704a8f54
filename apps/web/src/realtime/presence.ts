/** Who is typing and who has read what, from live `typing` and `read` events (this visit only). */
export interface Presence {
  /** conversationId → userId → until when (ms) they are shown typing. */
  readonly typing: Readonly<Record<string, Readonly<Record<string, number>>>>;
  /** conversationId → userId → the seq they have read up to. */
  readonly readers: Readonly<Record<string, Readonly<Record<string, number>>>>;
}

/** Others show "typing" this long after their last `typing` event. */
export const TYPING_SHOW_MS = 5_000;

export type PresenceEvent =
  | { type: 'typing'; conversationId: string; userId: string; now: number }
  /** They sent a message, so they have stopped typing. */
  | { type: 'sent'; conversationId: string; userId: string }
  | { type: 'read'; conversationId: string; userId: string; seq: number }
  /** Time passed: typing indicators that ran out go. */
  | { type: 'tick'; now: number };

/** Presence after one event; the same object when nothing changed. */
export function reducePresence(presence: Presence, event: PresenceEvent): Presence {
  switch (event.type) {
    case 'typing': {
      const current = presence.typing[event.conversationId] ?? {};
      const users = { ...current, [event.userId]: event.now + TYPING_SHOW_MS };
      return { ...presence, typing: { ...presence.typing, [event.conversationId]: users } };
    }
    case 'sent': {
      const current = presence.typing[event.conversationId];
      if (!current?.[event.userId]) return presence;
      const rest = { ...current };
      delete rest[event.userId];
      return { ...presence, typing: { ...presence.typing, [event.conversationId]: rest } };
    }
    case 'read': {
      const current = presence.readers[event.conversationId] ?? {};
      // Read events can arrive out of order (several tabs): the marker only moves forward.
      if ((current[event.userId] ?? 0) >= event.seq) return presence;
      const readers = { ...current, [event.userId]: event.seq };
      return { ...presence, readers: { ...presence.readers, [event.conversationId]: readers } };
    }
    case 'tick': {
      let changed = false;
      const typing: Record<string, Record<string, number>> = {};
      for (const [conversationId, users] of Object.entries(presence.typing)) {
        const kept: Record<string, number> = {};
        for (const [userId, until] of Object.entries(users)) {
          if (until > event.now) kept[userId] = until;
          else changed = true;
        }
        typing[conversationId] = kept;
      }
      return changed ? { ...presence, typing } : presence;
    }
  }
}

/** Who is typing in a conversation now, other than `me`. */
export function typingUsers(presence: Presence, conversationId: string, me: string, now: number): string[] {
  return Object.entries(presence.typing[conversationId] ?? {})
    .filter(([id, until]) => until > now && id !== me)
    .map(([id]) => id);
}

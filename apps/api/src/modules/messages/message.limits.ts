import { type LimitRule, perUser } from '../../http/limits.js';

/** Per-user limits on message writes; a WebSocket `send` spends the same `messages` allowance. */
export const MESSAGE_LIMITS = {
  send: { rate: 'messages', key: perUser },
  /** Edits and deletes share one allowance: both rewrite a stored message and fan out an update. */
  change: { rate: 'messageEdits', key: perUser },
  read: { rate: 'readMarkers', key: perUser },
  /** Adding and removing reactions share one allowance: each change fans out an update to every member. */
  react: { rate: 'reactions', key: perUser },
} satisfies Record<string, LimitRule>;

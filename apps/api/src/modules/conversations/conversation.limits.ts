import { type LimitRule, perUser } from '../../http/limits.js';

/**
 * Per-user limits on conversation writes: creating conversations and adding people are how one account
 * pushes rows, events and notifications onto others, so they are counted per hour.
 */
export const CONVERSATION_LIMITS = {
  create: { rate: 'conversationsCreated', key: perUser },
  addMember: { rate: 'membersAdded', key: perUser },
  removeMember: { rate: 'membersRemoved', key: perUser },
  /** Renames and role changes write a timeline line or reach every member; settings reach one's tabs. */
  change: { rate: 'conversationChanges', key: perUser },
} satisfies Record<string, LimitRule>;

import { type LimitRule, perUser } from '../../http/limits.js';

/** Searching costs the database more than a read by key: a per-user allowance (`LIMIT_SEARCHES`). */
export const SEARCH_LIMITS = {
  search: { rate: 'searches', key: perUser },
} satisfies Record<string, LimitRule>;

import type { Session } from '@parley/contract';
import { fromDbTime } from '../../db/time.js';
import type { SessionRow } from './session.repository.js';

export function presentSession(row: SessionRow, currentSessionId: string): Session {
  return {
    id: row.id,
    current: row.id === currentSessionId,
    userAgent: row.user_agent,
    ip: row.ip,
    createdAt: fromDbTime(row.created_at),
    lastSeenAt: fromDbTime(row.last_seen_at),
  };
}

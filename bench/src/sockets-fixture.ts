/** The users, conversations and tokens of `npm run bench:sockets` (sockets.ts), written straight to MariaDB. */
import { randomBytes } from 'node:crypto';
import type { Connection } from 'mysql2/promise';
import { toDbTime } from '../../apps/api/src/db/time.js';
import { newId } from '../../apps/api/src/ids.js';
import { benchPasswordHash } from './password-hash.js';
import { envNumber, settings } from './settings.js';

const smoke = settings.smoke;
export const socketSettings = {
  sockets: envNumber('BENCH_SOCKETS', smoke ? 300 : 10_000),
  groupMembers: envNumber('BENCH_SOCKETS_GROUP', smoke ? 50 : 1000),
  socketsPerIdleUser: envNumber('BENCH_SOCKETS_PER_IDLE_USER', 100),
  workers: envNumber('BENCH_SOCKET_WORKERS', 4),
  connectConcurrency: envNumber('BENCH_SOCKETS_CONNECT_CONCURRENCY', 50),
  idleSeconds: envNumber('BENCH_SOCKETS_IDLE_SECONDS', smoke ? 3 : 55),
  heartbeatMs: envNumber('BENCH_WS_HEARTBEAT_MS', 25_000),
  fanoutMessages: settings.fanoutMessages,
  fanoutGapMs: settings.fanoutGapMs,
};

export interface Fixture {
  users: { id: string; email: string }[];
  group: string;
  /** Conversations of each user (index-aligned with users). */
  conversationsOf: string[][];
  /** Sockets each user opens. */
  socketsOf: number[];
}

export async function createFixture(admin: Connection): Promise<Fixture> {
  const idleSockets = Math.max(0, socketSettings.sockets - socketSettings.groupMembers);
  const idleUsers = Math.ceil(idleSockets / socketSettings.socketsPerIdleUser);
  const userCount = socketSettings.groupMembers + idleUsers + (idleUsers % 2);
  const passwordHash = await benchPasswordHash();
  const now = toDbTime(new Date());
  const users = Array.from({ length: userCount }, (_, i) => ({
    id: newId(),
    email: `sockets-${i}-${randomBytes(3).toString('hex')}@example.com`,
  }));
  const conversationsOf: string[][] = users.map(() => []);
  const socketsOf = users.map((_, i): number => (i < socketSettings.groupMembers ? 1 : 0));
  let left = idleSockets;
  for (let i = socketSettings.groupMembers; i < userCount && left > 0; i += 1) {
    socketsOf[i] = Math.min(left, socketSettings.socketsPerIdleUser);
    left -= socketsOf[i] as number;
  }
  const conversations: unknown[][] = [];
  const members: unknown[][] = [];
  const group = newId();
  const owner = users[0] as { id: string };
  conversations.push([group, 'group', 'Sockets fan-out', null, owner.id, now, now]);
  for (let i = 0; i < socketSettings.groupMembers; i += 1) {
    members.push([group, (users[i] as { id: string }).id, i === 0 ? 'owner' : 'member', now]);
    conversationsOf[i]?.push(group);
  }
  for (let i = socketSettings.groupMembers; i + 1 < userCount; i += 2) {
    const a = users[i] as { id: string };
    const b = users[i + 1] as { id: string };
    const id = newId();
    conversations.push([id, 'direct', null, [a.id, b.id].sort().join(':'), a.id, now, now]);
    members.push([id, a.id, 'member', now], [id, b.id, 'member', now]);
    conversationsOf[i]?.push(id);
    conversationsOf[i + 1]?.push(id);
  }
  const insertRows = async (sql: string, rows: unknown[][]) => {
    for (let start = 0; start < rows.length; start += 500)
      await admin.query(sql, [rows.slice(start, start + 500)]);
  };
  await insertRows(
    'INSERT INTO users (id, email, email_verified_at, password_hash, display_name, created_at, updated_at) VALUES ?',
    users.map((u, i) => [u.id, u.email, now, passwordHash, `Sockets ${i}`, now, now]),
  );
  await insertRows(
    'INSERT INTO conversations (id, type, title, direct_key, created_by, created_at, updated_at) VALUES ?',
    conversations,
  );
  await insertRows(
    'INSERT INTO conversation_members (conversation_id, user_id, role, joined_at) VALUES ?',
    members,
  );
  return { users, group, conversationsOf, socketsOf };
}

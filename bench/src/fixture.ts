/** The users and conversations a run needs, written straight into MariaDB, and real logins for them. */
import { randomBytes } from 'node:crypto';
import type { Connection } from 'mysql2/promise';
import { toDbTime } from '../../apps/api/src/db/time.js';
import { newId } from '../../apps/api/src/ids.js';
import { benchPasswordHash } from './password-hash.js';
import { PASSWORD, settings } from './settings.js';
import { mapLimit } from './stats.js';

export interface Fixture {
  users: { id: string; email: string }[];
  /** Direct conversation i is between users 2i and 2i+1. */
  pairs: string[];
  group: string;
  baselineConversations: string[];
}

export async function createFixture(admin: Connection): Promise<Fixture> {
  const userCount = Math.max(settings.groupSize, settings.pairs * 2);
  const passwordHash = await benchPasswordHash();
  const now = toDbTime(new Date());
  const users = Array.from({ length: userCount }, (_, i) => ({
    id: newId(),
    email: `bench-${i}-${randomBytes(3).toString('hex')}@example.com`,
  }));
  const insertRows = async (sql: string, rows: unknown[][]) => {
    for (let start = 0; start < rows.length; start += 500) {
      await admin.query(sql, [rows.slice(start, start + 500)]);
    }
  };
  await insertRows(
    'INSERT INTO users (id, email, email_verified_at, password_hash, display_name, created_at, updated_at) VALUES ?',
    users.map((u, i) => [u.id, u.email, now, passwordHash, `Bench ${i}`, now, now]),
  );
  const conversations: unknown[][] = [];
  const members: unknown[][] = [];
  const pairs: string[] = [];
  for (let i = 0; i < settings.pairs; i += 1) {
    const a = users[2 * i] as { id: string };
    const b = users[2 * i + 1] as { id: string };
    const id = newId();
    pairs.push(id);
    conversations.push([id, 'direct', null, [a.id, b.id].sort().join(':'), a.id, now, now]);
    members.push([id, a.id, 'member', now], [id, b.id, 'member', now]);
  }
  const group = newId();
  const owner = users[0] as { id: string };
  conversations.push([group, 'group', 'Bench fan-out', null, owner.id, now, now]);
  users.slice(0, settings.groupSize).forEach((u, i) => {
    members.push([group, u.id, i === 0 ? 'owner' : 'member', now]);
  });
  const baselineConversations = Array.from({ length: settings.baselineConnections }, () => newId());
  for (const [i, id] of baselineConversations.entries()) {
    conversations.push([id, 'group', `Baseline ${i}`, null, owner.id, now, now]);
  }
  await insertRows(
    'INSERT INTO conversations (id, type, title, direct_key, created_by, created_at, updated_at) VALUES ?',
    conversations,
  );
  await insertRows(
    'INSERT INTO conversation_members (conversation_id, user_id, role, joined_at) VALUES ?',
    members,
  );
  return { users, pairs, group, baselineConversations };
}

/** Real logins through the API (argon2 and all); a distinct client address each so per-IP limits stay out of the way. */
export async function loginAll(baseUrl: string, origin: string, users: Fixture['users']): Promise<string[]> {
  return mapLimit(users, 8, async (user, i) => {
    const response = await fetch(`${baseUrl}/api/auth/login`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        origin,
        'x-forwarded-for': `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
      },
      body: JSON.stringify({ email: user.email, password: PASSWORD }),
    });
    const body = (await response.json()) as { token?: string };
    if (response.status !== 200 || !body.token)
      throw new Error(`login ${i} failed: ${response.status} ${JSON.stringify(body)}`);
    return body.token;
  });
}

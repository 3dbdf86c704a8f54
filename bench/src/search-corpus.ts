/**
 * The search benchmark's data: a seeded, repeatable corpus of chat-like messages (a Zipf-distributed
 * vocabulary whose most frequent words are real English function words, many of them shorter than
 * InnoDB's minimum token size), written straight into MariaDB with multi-row INSERTs through the admin
 * connection; and the queries, by class.
 */
import type { Connection, RowDataPacket } from 'mysql2/promise';
import { toDbTime } from '../../apps/api/src/db/time.js';
import { newId } from '../../apps/api/src/ids.js';

/** A small, fast, seeded PRNG (mulberry32): the same seed gives the same corpus and queries. */
export function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The most frequent words, in order: what people type most (20 of them have two letters). */
const FUNCTION_WORDS = (
  'the to and you it is of in that for on we this be at with are ok so do go if me my no up can will not ' +
  'have just but all was get now what let how its our us an or as by from they your see one out'
)
  .split(' ')
  .filter((word, index, all) => all.indexOf(word) === index);

const ONSETS = [
  'b',
  'c',
  'd',
  'f',
  'g',
  'h',
  'j',
  'k',
  'l',
  'm',
  'n',
  'p',
  'r',
  's',
  't',
  'v',
  'w',
  'z',
  'br',
  'st',
  'tr',
  'pl',
  'gr',
  'ch',
  'sh',
  'th',
];
const VOWELS = ['a', 'e', 'i', 'o', 'u', 'ai', 'ea', 'ou'];
const CODAS = ['', '', '', 'n', 'r', 's', 'l', 't', 'nd', 'st', 'x'];

export interface Vocabulary {
  /** Words by rank: 0 is the most frequent. */
  readonly words: readonly string[];
  /** Draws a word index with Zipf–Mandelbrot weights 1 / (rank + 2.7). */
  pick(next: () => number): number;
}

export function vocabulary(size: number, seed = 1): Vocabulary {
  const next = random(seed);
  const words: string[] = [...FUNCTION_WORDS];
  const seen = new Set(words);
  while (words.length < size) {
    const syllables = 2 + Math.floor(next() * 3);
    let word = '';
    for (let i = 0; i < syllables; i++) {
      word += ONSETS[Math.floor(next() * ONSETS.length)];
      word += VOWELS[Math.floor(next() * VOWELS.length)];
    }
    word += CODAS[Math.floor(next() * CODAS.length)];
    if (!seen.has(word)) {
      seen.add(word);
      words.push(word);
    }
  }
  const cumulative = new Float64Array(size);
  let total = 0;
  for (let rank = 0; rank < size; rank++) {
    total += 1 / (rank + 2.7);
    cumulative[rank] = total;
  }
  return {
    words,
    pick(draw) {
      const target = draw() * total;
      let low = 0;
      let high = size - 1;
      while (low < high) {
        const mid = (low + high) >>> 1;
        if ((cumulative[mid] ?? 0) < target) low = mid + 1;
        else high = mid;
      }
      return low;
    },
  };
}

/** One message's text: 4–24 words, a capital, now and then a comma and an end mark. */
export function messageText(vocab: Vocabulary, next: () => number): string {
  const count = 4 + Math.floor(next() * 21);
  const parts: string[] = [];
  for (let i = 0; i < count; i++) {
    let word = vocab.words[vocab.pick(next)] ?? 'x';
    if (i === 0) word = word.charAt(0).toUpperCase() + word.slice(1);
    parts.push(next() < 0.08 && i < count - 1 ? `${word},` : word);
  }
  const end = next();
  return `${parts.join(' ')}${end < 0.6 ? '' : end < 0.85 ? '.' : end < 0.95 ? '?' : '!'}`;
}

export interface SeedPlan {
  readonly messages: number;
  readonly conversations: number;
  /** Conversations the measured user is a member of (the first ones). */
  readonly memberOf: number;
  /** Rows per INSERT statement, and statements in flight on separate connections. */
  readonly batchRows: number;
  readonly vocabularySize: number;
}

export interface SeededCorpus {
  readonly userId: string;
  readonly email: string;
  readonly conversationIds: readonly string[];
  readonly vocab: Vocabulary;
  readonly seedSeconds: number;
}

/**
 * Users, conversations and messages straight into the schema. Message i goes to conversation
 * i mod C with the next seq there, at a time a year ago plus i × (one year / N): interleaved and in time
 * order, as real traffic would have written it. Counters (last_seq, last_rev) are set to match.
 */
export async function seedCorpus(
  connections: readonly Connection[],
  plan: SeedPlan,
  user: { id: string; email: string; passwordHash: string },
  onProgress: (done: number) => void,
): Promise<SeededCorpus> {
  const [admin] = connections;
  if (!admin) throw new Error('no connection');
  const started = Date.now();
  const vocab = vocabulary(plan.vocabularySize);
  const now = toDbTime(new Date());
  const others = Array.from({ length: 20 }, (_, i) => ({
    id: newId(),
    email: `search-bench-${i}@example.com`,
  }));
  await admin.query(
    'INSERT INTO users (id, email, email_verified_at, password_hash, display_name, created_at, updated_at) VALUES ?',
    [[user, ...others].map((u, i) => [u.id, u.email, now, user.passwordHash, `Search bench ${i}`, now, now])],
  );
  const conversationIds = Array.from({ length: plan.conversations }, () => newId());
  const perConversation = Math.ceil(plan.messages / plan.conversations);
  const yearMs = 365 * 24 * 3600 * 1000;
  const start = Date.now() - yearMs;
  const stepMs = yearMs / plan.messages;
  await admin.query(
    'INSERT INTO conversations (id, type, title, created_by, last_seq, last_rev, last_message_at, created_at, updated_at) VALUES ?',
    [
      conversationIds.map((id, c) => {
        const count = Math.floor((plan.messages - c - 1) / plan.conversations) + 1;
        const last = toDbTime(new Date(start + (c + (count - 1) * plan.conversations) * stepMs));
        return [id, 'group', `Bench ${c}`, others[0]?.id, count, count, last, now, last];
      }),
    ],
  );
  const members: unknown[][] = [];
  for (const [c, id] of conversationIds.entries()) {
    members.push([id, others[c % others.length]?.id, 'owner', now]);
    if (c < plan.memberOf) members.push([id, user.id, 'member', now]);
  }
  await admin.query('INSERT INTO conversation_members (conversation_id, user_id, role, joined_at) VALUES ?', [
    members,
  ]);

  for (const connection of connections) await connection.query('SET SESSION foreign_key_checks = 0');
  const next = random(42);
  let written = 0;
  let lastReport = 0;
  const inFlight = new Set<Promise<void>>();
  const free = [...connections];
  for (let first = 0; first < plan.messages; first += plan.batchRows) {
    const rows: unknown[][] = [];
    for (let i = first; i < Math.min(plan.messages, first + plan.batchRows); i++) {
      const c = i % plan.conversations;
      const seq = Math.floor(i / plan.conversations) + 1;
      const sender = others[(i * 7) % others.length]?.id;
      const created = toDbTime(new Date(start + i * stepMs));
      const id = newId();
      rows.push([
        id,
        conversationIds[c],
        seq,
        seq,
        sender,
        `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
        messageText(vocab, next),
        created,
      ]);
    }
    while (free.length === 0) await Promise.race(inFlight);
    const connection = free.pop() as Connection;
    const task = connection
      .query(
        'INSERT INTO messages (id, conversation_id, seq, rev, sender_id, client_id, body, created_at) VALUES ?',
        [rows],
      )
      .then(() => {
        written += rows.length;
        if (written - lastReport >= 100_000 || written === plan.messages) {
          lastReport = written;
          onProgress(written);
        }
      })
      .finally(() => {
        inFlight.delete(task);
        free.push(connection);
      });
    inFlight.add(task);
  }
  await Promise.all(inFlight);
  for (const connection of connections) await connection.query('SET SESSION foreign_key_checks = 1');
  if (perConversation < 1) throw new Error('no messages per conversation');
  return {
    userId: user.id,
    email: user.email,
    conversationIds,
    vocab,
    seedSeconds: (Date.now() - started) / 1000,
  };
}

export type QueryClass =
  | 'rare word'
  | 'medium word'
  | 'common word'
  | 'very common word'
  | 'short word (< 3 letters)'
  | 'prefix*'
  | 'two words'
  | '"phrase"';

/** Queries of each class, drawn from the vocabulary by rank (and, for phrases, from visible messages). */
export async function queriesByClass(
  admin: Connection,
  corpus: SeededCorpus,
  perClass: number,
  memberOf: number,
): Promise<Map<QueryClass, string[]>> {
  const next = random(7);
  const { words } = corpus.vocab;
  const rank = (from: number, to: number) =>
    words[Math.min(words.length - 1, from + Math.floor(next() * (Math.min(to, words.length) - from)))] ?? 'x';
  const long = words.slice(0, 60).filter((w) => w.length >= 3 && /^[a-z]+$/.test(w));
  const short = words.slice(0, 60).filter((w) => w.length < 3);
  const times = <T>(make: () => T) => Array.from({ length: perClass }, make);
  const [bodies] = await admin.query<RowDataPacket[]>(
    `SELECT body FROM messages WHERE conversation_id IN (?) AND deleted_at IS NULL ORDER BY RAND(7) LIMIT ${perClass}`,
    [corpus.conversationIds.slice(0, memberOf)],
  );
  const phrases = bodies.map((row) => {
    const tokens =
      String(row.body)
        .toLowerCase()
        .match(/[a-z’]+/g) ?? [];
    const at = Math.floor(next() * Math.max(1, tokens.length - 1));
    return `"${tokens.slice(at, at + 2).join(' ')}"`;
  });
  return new Map<QueryClass, string[]>([
    ['rare word', times(() => rank(5_000, 40_000))],
    ['medium word', times(() => rank(500, 5_000))],
    ['common word', times(() => rank(60, 500))],
    ['very common word', times(() => long[Math.floor(next() * long.length)] ?? 'the')],
    ['short word (< 3 letters)', times(() => short[Math.floor(next() * short.length)] ?? 'ok')],
    ['prefix*', times(() => `${rank(200, 5_000).slice(0, 4)}*`)],
    ['two words', times(() => `${rank(60, 2_000)} ${rank(60, 2_000)}`)],
    ['"phrase"', phrases],
  ]);
}

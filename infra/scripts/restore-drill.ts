// Backup and restore drill on local MariaDB (docs/operations.md, "Restore drill"): the same steps an
// operator takes with a logical dump of production, timed, on a seeded copy of Parley's schema.
//   1. a TLS-only MariaDB ("production") gets the API's migrations and a seeded data set;
//   2. mariadb-dump --single-transaction over TLS, gzip;
//   3. restore into a second, empty TLS-only server ("the restored instance");
//   4. CHECKSUM TABLE and row counts must match table by table; the app user is re-created with the
//      bootstrap's statements (dumps of one database carry no accounts) and logs in.
// Usage: npx tsx infra/scripts/restore-drill.ts [messages=500000]
import { execFileSync, spawn } from 'node:child_process';
import { createReadStream, createWriteStream, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';
import { type Connection, createConnection } from 'mysql2/promise';
import { appUserStatements } from '../../apps/api/src/db/app-user.js';
import { createMysqlKysely } from '../../apps/api/src/db/database.js';
import { migrateToLatest } from '../../apps/api/src/db/migrate.js';
import { type MariaDbServer, startMariaDb } from '../../scripts/services/mariadb.js';

const MESSAGES = Number(process.argv[2] ?? 500_000);
const PER_CONVERSATION = 100;
const CONVERSATIONS = Math.ceil(MESSAGES / PER_CONVERSATION);
const USERS = CONVERSATIONS * 2;
const DATABASE = 'parley';
const TABLES = [
  'users',
  'sessions',
  'auth_events',
  'conversations',
  'conversation_members',
  'messages',
  'attachments',
];

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
async function timed<T>(label: string, work: () => Promise<T>): Promise<[T, number]> {
  const started = performance.now();
  const result = await work();
  const elapsed = performance.now() - started;
  console.log(`${label}: ${seconds(elapsed)}`);
  return [result, elapsed];
}

function credentials(server: MariaDbServer) {
  const url = new URL(server.adminUrl);
  return { user: decodeURIComponent(url.username), password: decodeURIComponent(url.password) };
}

async function admin(server: MariaDbServer, database?: string): Promise<Connection> {
  const ca = readFileSync(server.caFile as string, 'utf8');
  return createConnection({
    uri: `${server.adminUrl}${database ?? ''}`,
    ssl: { ca, rejectUnauthorized: true },
    multipleStatements: false,
  });
}

/** Client options for mariadb / mariadb-dump: TLS with the server's CA, password via the environment. */
function clientArgs(server: MariaDbServer): { args: string[]; env: NodeJS.ProcessEnv } {
  const { user, password } = credentials(server);
  return {
    args: [
      `--host=${server.host}`,
      `--port=${server.port}`,
      `--user=${user}`,
      '--ssl',
      `--ssl-ca=${server.caFile}`,
    ],
    env: { ...process.env, MYSQL_PWD: password },
  };
}

async function seed(db: Connection): Promise<void> {
  const now = "'2026-06-01 12:00:00.000'";
  await db.query(
    `INSERT INTO users (id, email, email_verified_at, password_hash, display_name, created_at, updated_at)
     SELECT CONCAT('u', LPAD(seq, 12, '0')), CONCAT('user', seq, '@example.com'), ${now},
            CONCAT('$argon2id$v=19$m=19456,t=2,p=1$', SHA2(seq, 256)), CONCAT('User ', seq), ${now}, ${now}
     FROM seq_1_to_${USERS}`,
  );
  await db.query(
    `INSERT INTO sessions (id, user_id, user_agent, ip, created_at, last_seen_at, expires_at)
     SELECT CONCAT('s', LPAD(seq, 12, '0')), CONCAT('u', LPAD(seq, 12, '0')), 'Mozilla/5.0 drill', '203.0.113.7',
            ${now}, ${now}, '2026-07-01 12:00:00.000'
     FROM seq_1_to_${USERS}`,
  );
  await db.query(
    `INSERT INTO auth_events (id, user_id, session_id, type, ip, user_agent, created_at)
     SELECT CONCAT('e', LPAD(seq, 12, '0')), CONCAT('u', LPAD(seq, 12, '0')), CONCAT('s', LPAD(seq, 12, '0')),
            'login', '203.0.113.7', 'Mozilla/5.0 drill', ${now}
     FROM seq_1_to_${USERS}`,
  );
  await db.query(
    `INSERT INTO conversations (id, type, title, created_by, last_seq, last_rev, last_message_at, created_at, updated_at)
     SELECT CONCAT('c', LPAD(seq, 12, '0')), 'group', CONCAT('Team ', seq), CONCAT('u', LPAD(seq * 2, 12, '0')),
            ${PER_CONVERSATION}, ${PER_CONVERSATION}, ${now}, ${now}, ${now}
     FROM seq_1_to_${CONVERSATIONS}`,
  );
  await db.query(
    `INSERT INTO conversation_members (conversation_id, user_id, role, joined_at, last_read_seq)
     SELECT CONCAT('c', LPAD(seq DIV 2 + seq MOD 2, 12, '0')), CONCAT('u', LPAD(seq, 12, '0')),
            IF(seq MOD 2 = 0, 'owner', 'member'), ${now}, ${PER_CONVERSATION}
     FROM seq_1_to_${USERS}`,
  );
  // Messages in batches of 100 000 so one statement never holds the whole set.
  for (let from = 1; from <= MESSAGES; from += 100_000) {
    const to = Math.min(MESSAGES, from + 99_999);
    await db.query(
      `INSERT INTO messages (id, conversation_id, seq, rev, sender_id, client_id, body, created_at)
       SELECT CONCAT('m', LPAD(seq, 12, '0')),
              CONCAT('c', LPAD((seq - 1) DIV ${PER_CONVERSATION} + 1, 12, '0')),
              (seq - 1) MOD ${PER_CONVERSATION} + 1, (seq - 1) MOD ${PER_CONVERSATION} + 1,
              CONCAT('u', LPAD(((seq - 1) DIV ${PER_CONVERSATION}) * 2 + 1 + seq MOD 2, 12, '0')),
              CONCAT('client-', seq),
              CONCAT('Message ', seq, ': ', REPEAT('the quick brown fox jumps over the lazy dog ', 1 + seq MOD 4), '🦊'),
              ${now}
       FROM seq_${from}_to_${to}`,
    );
  }
  await db.query(
    `INSERT INTO attachments (id, conversation_id, uploader_id, message_id, storage_key, name, content_type, size, sha256, created_at)
     SELECT CONCAT('a', LPAD(seq, 12, '0')), CONCAT('c', LPAD(seq, 12, '0')), CONCAT('u', LPAD(seq * 2, 12, '0')),
            CONCAT('m', LPAD((seq - 1) * ${PER_CONVERSATION} + 1, 12, '0')), CONCAT('attachments/', SHA2(seq, 256)),
            CONCAT('photo-', seq, '.jpg'), 'image/jpeg', 100000 + seq, SHA2(seq, 256), ${now}
     FROM seq_1_to_${CONVERSATIONS}`,
  );
}

async function fingerprint(db: Connection): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const table of TABLES) {
    const [[count]] = (await db.query(`SELECT COUNT(*) AS n FROM ${table}`)) as unknown as [[{ n: number }]];
    const [[sum]] = (await db.query(`CHECKSUM TABLE ${table}`)) as unknown as [[{ Checksum: number }]];
    out[table] = `${count.n} rows, checksum ${sum.Checksum}`;
  }
  return out;
}

/** Runs a client; `stdin` is piped in, stdout is gzipped into `gzipTo` when given. */
function run(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  stdin?: NodeJS.ReadableStream,
  gzipTo?: string,
) {
  return new Promise<void>((resolve, reject) => {
    const child = spawn(command, args, {
      env,
      stdio: [stdin ? 'pipe' : 'ignore', gzipTo ? 'pipe' : 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr?.on('data', (chunk) => {
      stderr += chunk;
    });
    const streams: Promise<void>[] = [];
    if (stdin && child.stdin) streams.push(pipeline(stdin, child.stdin));
    if (gzipTo && child.stdout) streams.push(pipeline(child.stdout, createGzip(), createWriteStream(gzipTo)));
    child.on('error', reject);
    child.on('close', async (code) => {
      await Promise.all(streams).catch(reject);
      if (code === 0) resolve();
      else reject(new Error(`${command} exited ${code}: ${stderr}`));
    });
  });
}

const work = mkdtempSync(path.join(tmpdir(), 'parley-restore-drill-'));
const dumpFile = path.join(work, 'parley.sql.gz');
const [source, target] = await Promise.all([startMariaDb({ tls: true }), startMariaDb({ tls: true })]);
try {
  const cpu = cpus();
  console.log(
    `machine: ${cpu[0]?.model ?? 'unknown CPU'}, ${cpu.length} cores visible, ${Math.round(totalmem() / 1024 ** 3)} GiB RAM; ` +
      `${execFileSync('/usr/sbin/mariadbd', ['--version'], { encoding: 'utf8' }).trim()}`,
  );
  console.log(`data set: ${USERS} users, ${CONVERSATIONS} conversations, ${MESSAGES} messages`);

  const root = await admin(source);
  await root.query(`CREATE DATABASE ${DATABASE} CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`);
  await root.end();
  const kysely = createMysqlKysely({
    uri: `${source.adminUrl}${DATABASE}`,
    ssl: { ca: readFileSync(source.caFile as string, 'utf8') },
    connectionLimit: 1,
  });
  await migrateToLatest(kysely);
  await kysely.destroy();
  const db = await admin(source, DATABASE);
  await timed('seed', () => seed(db));
  const before = await fingerprint(db);
  await db.query('ANALYZE TABLE messages');
  const [[size]] = (await db.query(
    'SELECT SUM(data_length + index_length) AS bytes FROM information_schema.tables WHERE table_schema = ?',
    [DATABASE],
  )) as unknown as [[{ bytes: number }]];
  console.log(`database size (InnoDB data + indexes): ${(Number(size.bytes) / 1024 ** 2).toFixed(0)} MiB`);
  await db.end();

  const dump = clientArgs(source);
  const [, dumpMs] = await timed('dump (mariadb-dump --single-transaction | gzip)', () =>
    run(
      'mariadb-dump',
      [
        ...dump.args,
        '--single-transaction',
        '--quick',
        '--routines',
        '--triggers',
        '--hex-blob',
        '--databases',
        DATABASE,
      ],
      dump.env,
      undefined,
      dumpFile,
    ),
  );
  console.log(`dump size: ${(statSync(dumpFile).size / 1024 ** 2).toFixed(1)} MiB gzip`);

  const restore = clientArgs(target);
  const [, restoreMs] = await timed('restore (gunzip | mariadb) into an empty server', () =>
    run('mariadb', restore.args, restore.env, createReadStream(dumpFile).pipe(createGunzip())),
  );

  const restoredRoot = await admin(target);
  const appPassword = 'drill-app-password-0001';
  for (const statement of appUserStatements({
    database: DATABASE,
    user: 'parley_app',
    password: appPassword,
    host: '%',
    requireSsl: true,
  })) {
    await restoredRoot.query(statement);
  }
  await restoredRoot.end();
  const restored = await admin(target, DATABASE);
  const after = await fingerprint(restored);
  await restored.end();
  const app = await createConnection({
    host: target.host,
    port: target.port,
    user: 'parley_app',
    password: appPassword,
    database: DATABASE,
    ssl: { ca: readFileSync(target.caFile as string, 'utf8'), rejectUnauthorized: true },
  });
  const [[latest]] = (await app.query(
    'SELECT conversation_id, seq, body FROM messages ORDER BY id DESC LIMIT 1',
  )) as unknown as [[{ conversation_id: string; seq: number; body: string }]];
  await app.end();

  let same = true;
  for (const table of TABLES) {
    const ok = before[table] === after[table];
    same &&= ok;
    console.log(`  ${table.padEnd(22)} ${before[table]}  ${ok ? '==' : '!='}  ${after[table]}`);
  }
  console.log(`app user logs in to the restored copy and reads ${latest.conversation_id} #${latest.seq}`);
  console.log(`total dump + restore: ${seconds(dumpMs + restoreMs)}; tables identical: ${same}`);
  if (!same) process.exitCode = 1;
} finally {
  await Promise.all([source.stop(), target.stop()]);
}

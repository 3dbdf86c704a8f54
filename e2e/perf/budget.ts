/**
 * Web performance budget: initial JavaScript (gzip) of the production build, then Lighthouse 12.2.3
 * (desktop preset) against the real server on the sign-in page and on a signed-in conversation page,
 * in Debian's Chromium. Prints a Markdown report for docs/performance.md and exits 1 when a target is
 * missed. Run with `npm run perf:web` (slow: not part of `npm test`).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import * as chromeLauncher from 'chrome-launcher';
import lighthouse from 'lighthouse';
import desktopConfig from 'lighthouse/core/config/desktop-config.js';
import { makePng } from '../support/png.js';
import { type Stack, startStack } from '../support/stack.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const dist = path.join(root, 'apps/web/dist');
const CHROMIUM = '/usr/bin/chromium';

const TARGETS = { initialJsKb: 150, performance: 90, accessibility: 95, 'best-practices': 95 } as const;
type Category = 'performance' | 'accessibility' | 'best-practices';
const CATEGORIES: Category[] = ['performance', 'accessibility', 'best-practices'];

/** The scripts index.html loads up front (entry + modulepreloads), gzip-compressed, in KB. */
function initialJs(): {
  files: { name: string; gzipKb: number }[];
  totalKb: number;
  lazy: { name: string; gzipKb: number }[];
} {
  const html = readFileSync(path.join(dist, 'index.html'), 'utf8');
  const initial = new Set(
    [...html.matchAll(/<(?:script[^>]+src|link[^>]+rel="modulepreload"[^>]+href)="([^"]+\.js)"/g)].map(
      (m) => m[1] ?? '',
    ),
  );
  const size = (file: string) => gzipSync(readFileSync(path.join(dist, file)), { level: 9 }).length / 1024;
  const files = [...initial].map((file) => ({ name: file, gzipKb: size(file) }));
  const all = readdirJs();
  const lazy = all
    .filter((file) => !initial.has(`/${file}`))
    .map((file) => ({ name: `/${file}`, gzipKb: size(file) }));
  return { files, totalKb: files.reduce((sum, f) => sum + f.gzipKb, 0), lazy };
}

function readdirJs(): string[] {
  const assets = path.join(dist, 'assets');
  return (execFileSync('ls', [assets], { encoding: 'utf8' }) as string)
    .split('\n')
    .filter((name) => name.endsWith('.js'))
    .map((name) => `assets/${name}`);
}

async function post(stack: Stack, route: string, body: unknown, token?: string): Promise<Response> {
  return fetch(`${stack.baseUrl}/api${route}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
}

async function verifiedUser(stack: Stack, name: string) {
  const id = Math.random().toString(36).slice(2, 8);
  const user = {
    email: `${name.split(' ')[0]?.toLowerCase()}-${id}@example.test`,
    password: `perf budget ${id} passphrase`,
    displayName: name,
  };
  const registered = await post(stack, '/auth/register', user);
  if (registered.status !== 202)
    throw new Error(`register failed: ${registered.status} ${await registered.text()}`);
  const mail = await stack.mail.waitFor(user.email, /Confirm your email/);
  const link = /https?:\/\/\S+\/verify-email\?token=\S+/.exec(mail.text)?.[0];
  if (!link) throw new Error('no verification link in the email');
  const token = new URL(link).searchParams.get('token');
  if ((await post(stack, '/auth/verify-email', { token, password: user.password })).status !== 200)
    throw new Error('verify failed');
  const login = await post(stack, '/auth/login', { email: user.email, password: user.password });
  const { token: session, user: me } = (await login.json()) as { token: string; user: { id: string } };
  const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  return { ...user, id: me.id, token: session, cookie };
}

/** Two users, a direct conversation with 40 messages and an image: a realistic conversation page. */
async function seedConversation(stack: Stack) {
  const ada = await verifiedUser(stack, 'Ada Lovelace');
  const charles = await verifiedUser(stack, 'Charles Babbage');
  const created = await post(stack, '/conversations', { type: 'direct', memberIds: [charles.id] }, ada.token);
  const { id } = (await created.json()) as { id: string };
  const upload = await fetch(`${stack.baseUrl}/api/attachments?conversationId=${id}&name=engine.png`, {
    method: 'POST',
    headers: { 'Content-Type': 'image/png', Authorization: `Bearer ${ada.token}` },
    body: new Uint8Array(makePng(480, 300)),
  });
  const attachment = (await upload.json()) as { id: string };
  for (let index = 1; index <= 40; index++) {
    const author = index % 3 === 0 ? charles : ada;
    const body =
      index === 40
        ? 'Here is the plan for the engine: https://example.com/notes'
        : `Message ${index}: the analytical engine weaves algebraic patterns just as the Jacquard loom weaves flowers and leaves.`;
    await post(
      stack,
      `/conversations/${id}/messages`,
      { clientId: crypto.randomUUID(), body, ...(index === 39 ? { attachmentIds: [attachment.id] } : {}) },
      author.token,
    );
  }
  return { conversationId: id, cookie: ada.cookie };
}

async function audit(port: number, url: string, extraHeaders?: Record<string, string>) {
  const result = await lighthouse(
    url,
    {
      port,
      output: 'json',
      logLevel: 'error',
      onlyCategories: CATEGORIES,
      ...(extraHeaders ? { extraHeaders } : {}),
    },
    desktopConfig,
  );
  if (!result) throw new Error(`Lighthouse returned nothing for ${url}`);
  const { lhr } = result;
  const scores = Object.fromEntries(
    CATEGORIES.map((category) => [category, Math.round((lhr.categories[category]?.score ?? 0) * 100)]),
  ) as Record<Category, number>;
  // What cost points, for the report.
  const failing = Object.values(lhr.audits)
    .filter(
      (a) =>
        a.score !== null &&
        a.score < 0.9 &&
        a.scoreDisplayMode !== 'informative' &&
        a.scoreDisplayMode !== 'manual',
    )
    .map((a) => `${a.id} (${Math.round((a.score ?? 0) * 100)})`);
  const metrics = [
    'first-contentful-paint',
    'largest-contentful-paint',
    'total-blocking-time',
    'cumulative-layout-shift',
    'speed-index',
  ].map((id) => `${id.replace(/-/g, ' ')}: ${lhr.audits[id]?.displayValue ?? 'n/a'}`);
  return {
    url,
    scores,
    failing,
    metrics,
    version: lhr.lighthouseVersion,
    userAgent: lhr.environment.hostUserAgent,
  };
}

async function main(): Promise<void> {
  console.error('Building the web app…');
  execFileSync('npm', ['run', 'build', '-w', '@parley/web'], {
    cwd: root,
    stdio: 'ignore',
    env: { ...process.env, NODE_ENV: 'production' },
  });
  const js = initialJs();

  console.error('Starting the server and seeding a conversation…');
  const stack = await startStack();
  const chrome = await chromeLauncher.launch({
    chromePath: CHROMIUM,
    chromeFlags: ['--headless=new', '--no-sandbox', '--disable-gpu'],
  });
  try {
    const { conversationId, cookie } = await seedConversation(stack);
    console.error('Lighthouse: sign-in page…');
    const signIn = await audit(chrome.port, `${stack.baseUrl}/sign-in`);
    console.error('Lighthouse: conversation page…');
    const conversation = await audit(chrome.port, `${stack.baseUrl}/conversations/${conversationId}`, {
      Cookie: cookie,
    });

    const misses: string[] = [];
    if (js.totalKb > TARGETS.initialJsKb)
      misses.push(`initial JS ${js.totalKb.toFixed(1)} KB > ${TARGETS.initialJsKb} KB`);
    for (const page of [signIn, conversation]) {
      for (const category of CATEGORIES) {
        if (page.scores[category] < TARGETS[category]) {
          misses.push(`${page.url} ${category} ${page.scores[category]} < ${TARGETS[category]}`);
        }
      }
    }

    const chromium = execFileSync(CHROMIUM, ['--version'], { encoding: 'utf8' }).trim();
    const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
    const lines = [
      `Measured ${new Date().toISOString().slice(0, 10)} with \`npm run perf:web\` on ${os.cpus().length} × ${cpu}, ${Math.round(os.totalmem() / 2 ** 30)} GB RAM, ${os.type()} ${os.release()}, Node ${process.version}, ${chromium}, Lighthouse ${signIn.version} (desktop preset), server on the same machine (SQLite).`,
      '',
      '| what | result | target |',
      '|---|---|---|',
      `| initial JS (gzip: ${js.files.map((f) => `\`${path.basename(f.name)}\``).join(', ')}) | ${js.totalKb.toFixed(1)} KB | ≤ ${TARGETS.initialJsKb} KB |`,
      ...js.lazy.map(
        (f) =>
          `| lazy chunk \`${path.basename(f.name)}\` (messaging, loaded on demand) | ${f.gzipKb.toFixed(1)} KB | – |`,
      ),
      ...[signIn, conversation].flatMap((page) => {
        const name =
          page === signIn ? 'sign-in page' : 'conversation page (signed in, 40 messages, one image)';
        return CATEGORIES.map(
          (category) => `| ${name}: ${category} | ${page.scores[category]} | ≥ ${TARGETS[category]} |`,
        );
      }),
      '',
      ...[signIn, conversation].map(
        (page) =>
          `- ${page === signIn ? 'Sign-in' : 'Conversation'} metrics: ${page.metrics.join('; ')}.${page.failing.length ? ` Audits below 90: ${page.failing.join(', ')}.` : ''}`,
      ),
    ];
    console.log(lines.join('\n'));
    if (misses.length > 0) {
      console.error(`\nMissed targets:\n- ${misses.join('\n- ')}`);
      process.exitCode = 1;
    }
  } finally {
    chrome.kill();
    await stack.stop();
  }
}

await main();

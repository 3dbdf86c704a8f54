import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createConnection, type RowDataPacket } from 'mysql2/promise';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import { startTopology, type Topology } from '../../scripts/services/topology.js';
import { CHROMIUM, EXPECTED_HTTP_ERROR, newContext } from './browser.js';
import { linkIn, newUser, type TestUser } from './parley.js';

/**
 * Debian's Chromium trusting the topology's test CA the way a managed laptop trusts a company CA: through
 * the NSS database Chromium reads on Linux (`$HOME/.pki/nssdb`), made with `certutil` in a throwaway
 * HOME. No `ignoreHTTPSErrors`, no `--ignore-certificate-errors`: the certificate chain is verified for
 * real, so the page is a secure context only because the chain is valid for `localhost`.
 * `localhost` is pinned to 127.0.0.1, where nginx listens (Chromium would otherwise try ::1 first, where
 * the same port may belong to someone else).
 */
export async function launchTrustingBrowser(caFile: string): Promise<{ browser: Browser; cleanup(): void }> {
  const home = mkdtempSync(path.join(tmpdir(), 'parley-chromium-home-'));
  const nssdb = `sql:${path.join(home, '.pki', 'nssdb')}`;
  mkdirSync(path.join(home, '.pki', 'nssdb'), { recursive: true });
  execFileSync('certutil', ['-N', '-d', nssdb, '--empty-password']);
  // C,, : a trusted CA for TLS server certificates (not for email or code signing).
  execFileSync('certutil', ['-A', '-d', nssdb, '-n', 'Parley Test CA', '-t', 'C,,', '-i', caFile]);
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    env: { ...process.env, HOME: home },
    args: [
      ...(process.getuid?.() === 0 ? ['--no-sandbox'] : []),
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--host-resolver-rules=MAP localhost 127.0.0.1',
    ],
  });
  return { browser, cleanup: () => rmSync(home, { recursive: true, force: true }) };
}

/** One WebSocket a page opened, as Chromium's DevTools protocol saw it. */
export interface TrackedSocket {
  readonly requestId: string;
  /** `host:port` of the instance that accepted the upgrade (nginx's X-Parley-Upstream, last one tried). */
  upstream: string | undefined;
  /** The server has answered `resume` with `resumed`: the socket is live. */
  resumed: boolean;
  closed: boolean;
  /** Payloads of the frames received, in order. */
  readonly received: string[];
}

export interface SocketTracker {
  /** Every WebSocket the page opened, oldest first. */
  readonly sockets: readonly TrackedSocket[];
  /**
   * Waits until the page's newest socket is live (upgraded through nginx and resumed), optionally one
   * opened after the first `after` sockets, and returns it.
   */
  waitLive(options?: { after?: number; timeoutMs?: number }): Promise<TrackedSocket>;
}

/** Condition polling: the only way these tests wait (never a fixed sleep). */
export async function waitUntil(
  condition: () => boolean | Promise<boolean>,
  describe: () => string,
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms: ${describe()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function trackSockets(context: BrowserContext, page: Page): Promise<SocketTracker> {
  const cdp = await context.newCDPSession(page);
  const sockets: TrackedSocket[] = [];
  const byId = new Map<string, TrackedSocket>();
  cdp.on('Network.webSocketCreated', (event) => {
    if (!event.url.endsWith('/api/ws')) return;
    const socket: TrackedSocket = {
      requestId: event.requestId,
      upstream: undefined,
      resumed: false,
      closed: false,
      received: [],
    };
    byId.set(event.requestId, socket);
    sockets.push(socket);
  });
  cdp.on('Network.webSocketHandshakeResponseReceived', (event) => {
    const socket = byId.get(event.requestId);
    if (!socket) return;
    const header = Object.entries(event.response.headers).find(
      ([name]) => name.toLowerCase() === 'x-parley-upstream',
    )?.[1];
    socket.upstream = header?.split(',').at(-1)?.trim();
  });
  cdp.on('Network.webSocketFrameReceived', (event) => {
    const socket = byId.get(event.requestId);
    if (!socket) return;
    socket.received.push(event.response.payloadData);
    if (event.response.payloadData.includes('"type":"resumed"')) socket.resumed = true;
  });
  cdp.on('Network.webSocketClosed', (event) => {
    const socket = byId.get(event.requestId);
    if (socket) socket.closed = true;
  });
  await cdp.send('Network.enable');
  return {
    sockets,
    async waitLive({ after = 0, timeoutMs = 30_000 } = {}) {
      const live = () => {
        const newest = sockets.at(-1);
        return sockets.length > after && newest?.resumed === true && !newest.closed ? newest : undefined;
      };
      await waitUntil(
        () => live() !== undefined,
        () => `no live socket after ${after}: ${JSON.stringify(sockets.map(({ received, ...s }) => s))}`,
        timeoutMs,
      );
      return live() as TrackedSocket;
    },
  };
}

export interface HttpsAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
}

export interface TopologyClient {
  /**
   * A JSON request to the topology's public URL, TLS verified against the test CA, from `localAddress`
   * (any 127.0.0.0/8 address) so the client's address differs from nginx's and from 127.0.0.1.
   */
  request(
    method: string,
    pathname: string,
    options?: { body?: unknown; headers?: Record<string, string>; localAddress?: string },
  ): Promise<HttpsAnswer>;
  /** A registered, verified user, made through the API and the emailed link. */
  verifiedUser(name: string): Promise<TestUser>;
  /** Rows from the application's schema, read as admin over TLS. */
  query<T extends RowDataPacket>(sql: string, values?: unknown[]): Promise<T[]>;
}

export function topologyClient(topology: Topology): TopologyClient {
  const ca = readFileSync(topology.caFile);
  const client: TopologyClient = {
    request(method, pathname, options = {}) {
      const url = new URL(pathname, topology.baseUrl);
      const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
      return new Promise((resolve, reject) => {
        const req = request(
          url,
          {
            method,
            ca,
            servername: 'localhost',
            ...(options.localAddress ? { localAddress: options.localAddress } : {}),
            headers: {
              ...(payload ? { 'content-type': 'application/json' } : {}),
              ...options.headers,
            },
          },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (chunk: Buffer) => chunks.push(chunk));
            res.on('end', () => {
              const text = Buffer.concat(chunks).toString('utf8');
              let body: unknown = text;
              try {
                body = text ? JSON.parse(text) : undefined;
              } catch {
                // not JSON: keep the text
              }
              resolve({ status: res.statusCode ?? 0, headers: res.headers, body });
            });
            res.on('error', reject);
          },
        );
        req.on('error', reject);
        req.end(payload);
      });
    },
    async verifiedUser(name) {
      const user = newUser(name);
      expect((await client.request('POST', '/api/auth/register', { body: user })).status).toBe(202);
      const mail = await topology.mail.waitFor(user.email, /Confirm your email/);
      const token = new URL(linkIn(mail.text, 'verify-email')).searchParams.get('token');
      const verified = await client.request('POST', '/api/auth/verify-email', {
        body: { token, password: user.password },
      });
      expect(verified.status).toBe(200);
      return user;
    },
    async query<T extends RowDataPacket>(sql: string, values: unknown[] = []) {
      const connection = await createConnection({
        uri: topology.adminSchemaUrl,
        ssl: { ca: readFileSync(topology.mariadb.caFile as string, 'utf8') },
      });
      try {
        const [rows] = await connection.query<T[]>(sql, values);
        return rows;
      } finally {
        await connection.end();
      }
    },
  };
  return client;
}

/** Something a page reported that a healthy app never causes; checked after each test. */
export interface PageProblem {
  readonly text: string;
  /** Date.now() when reported. */
  readonly at: number;
  /** For 5xx answers: the request's method. */
  readonly method?: string;
  readonly status?: number;
  /** Set by a test that caused it on purpose (e.g. a crash), with the reason. */
  tolerated?: string;
}

/**
 * Console errors, uncaught exceptions, CSP violations and 5xx answers, with their time and method (as
 * `watchPageProblems` in browser.ts, which keeps only the text).
 */
function watchProblems(page: Page): PageProblem[] {
  const problems: PageProblem[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error' && !EXPECTED_HTTP_ERROR.test(message.text())) {
      problems.push({ text: `console: ${message.text()}`, at: Date.now() });
    }
  });
  page.on('pageerror', (error) => problems.push({ text: `page error: ${error.message}`, at: Date.now() }));
  page.on('response', (response) => {
    const status = response.status();
    const method = response.request().method();
    if (status >= 500) {
      problems.push({
        text: `HTTP ${status} from ${method} ${response.url()}`,
        at: Date.now(),
        method,
        status,
      });
    }
  });
  return problems;
}

/**
 * A crash (SIGKILL) since `since`: what the ALB does too then is answer 502 to a request that was already
 * on its way to the dead target and is not safe to replay (POST, PATCH, DELETE; nginx replays GETs and
 * requests that never reached it on the other instance). Those, and Chromium's console line for each,
 * are tolerated; anything else still fails the test.
 */
export function tolerateCrash(pages: readonly OpenedPage[], since: number): string[] {
  const tolerated: string[] = [];
  for (const { problems } of pages) {
    const bad = problems.filter(
      (p) =>
        p.at >= since && p.status === 502 && p.method !== undefined && !['GET', 'HEAD'].includes(p.method),
    );
    const consoleLines = problems.filter(
      (p) =>
        p.at >= since &&
        p.text === 'console: Failed to load resource: the server responded with a status of 502 ()',
    );
    for (const problem of [...bad, ...consoleLines.slice(0, bad.length)]) {
      problem.tolerated = 'request in flight to the killed instance';
      tolerated.push(problem.text);
    }
  }
  return tolerated;
}

export interface OpenedPage {
  readonly context: BrowserContext;
  readonly page: Page;
  readonly sockets: SocketTracker;
  readonly problems: PageProblem[];
}

export interface TopologySuite {
  readonly topology: Topology;
  readonly client: TopologyClient;
  /** A fresh browser profile through nginx, its WebSockets tracked, its problems checked after the test. */
  open(): Promise<OpenedPage>;
}

/**
 * Per test file: the whole topology (nginx, two instances, MariaDB TLS-only, Redis, s3rver, SMTP
 * capture), one Chromium trusting the test CA, and for every page the assertion that it logged no
 * console error, CSP violation or 5xx answer.
 */
export function topologySuite(): TopologySuite {
  let topology: Topology | undefined;
  let client: TopologyClient | undefined;
  let browser: { browser: Browser; cleanup(): void } | undefined;
  const opened: OpenedPage[] = [];

  beforeAll(async () => {
    topology = await startTopology();
    client = topologyClient(topology);
    browser = await launchTrustingBrowser(topology.caFile);
  });
  afterEach(async () => {
    const contexts = opened.splice(0);
    await Promise.all(contexts.map(({ context }) => context.close()));
    const problems = contexts.flatMap((opened) => opened.problems);
    expect(problems.filter((problem) => !problem.tolerated).map((problem) => problem.text)).toEqual([]);
  });
  afterAll(async () => {
    await browser?.browser.close();
    browser?.cleanup();
    await topology?.stop();
  });

  return {
    get topology() {
      if (!topology) throw new Error('topology not started');
      return topology;
    },
    get client() {
      if (!client) throw new Error('topology not started');
      return client;
    },
    async open() {
      if (!browser || !topology) throw new Error('suite not started');
      const context = await newContext(browser.browser, topology.baseUrl);
      const page = await context.newPage();
      const problems = watchProblems(page);
      const sockets = await trackSockets(context, page);
      const result = { context, page, sockets, problems };
      opened.push(result);
      return result;
    },
  };
}

import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** How the stand-in answers: as the real service, never (a hung connection), or with an error status. */
export type PwnedRangeMode = 'normal' | 'hang' | { status: number };

export interface PwnedRangeServer {
  /** Base URL for PWNED_PASSWORDS_URL. */
  readonly url: string;
  /** Every request received: the path and headers, to prove what left the API (5 hex chars only). */
  readonly requests: readonly { path: string; headers: IncomingHttpHeaders }[];
  mode: PwnedRangeMode;
  /** Marks a password breached, seen `count` times. */
  breach(password: string, count?: number): void;
  /** Lists a password's suffix as a padding line (count 0) in answers, as the real padding may. */
  padWith(password: string): void;
  stop(): Promise<void>;
}

const sha1 = (password: string) => createHash('sha1').update(password, 'utf8').digest('hex').toUpperCase();

/**
 * A local stand-in for Have I Been Pwned's range API (`GET /range/<5 hex>`), speaking its protocol: one
 * `SUFFIX:COUNT` line per known hash with that prefix, CRLF-separated, and with `Add-Padding: true` 800–1,000
 * lines in all, the padding lines with a count of 0. Tests and browser tests point PWNED_PASSWORDS_URL at
 * it, so nothing ever asks the real service.
 */
export async function startPwnedRange(): Promise<PwnedRangeServer> {
  const breached = new Map<string, number>();
  const padded = new Set<string>();
  const requests: { path: string; headers: IncomingHttpHeaders }[] = [];
  const hung = new Set<ServerResponse>();
  const state: { mode: PwnedRangeMode } = { mode: 'normal' };

  const server = createServer((request, response) => {
    const path = request.url ?? '';
    requests.push({ path, headers: request.headers });
    const mode = state.mode;
    if (mode === 'hang') {
      hung.add(response);
      response.on('close', () => hung.delete(response));
      return;
    }
    if (typeof mode === 'object') {
      response.writeHead(mode.status, { 'content-type': 'text/plain' }).end('unavailable');
      return;
    }
    const match = /^\/range\/([0-9A-Fa-f]{5})$/.exec(path);
    if (!match?.[1]) {
      response
        .writeHead(400, { 'content-type': 'text/plain' })
        .end('The hash prefix was not in a valid format');
      return;
    }
    const prefix = match[1].toUpperCase();
    const lines: string[] = [];
    for (const [hash, count] of breached)
      if (hash.startsWith(prefix)) lines.push(`${hash.slice(5)}:${count}`);
    if (request.headers['add-padding'] === 'true') {
      for (const hash of padded) if (hash.startsWith(prefix)) lines.push(`${hash.slice(5)}:0`);
      const target = 800 + Math.floor(Math.random() * 200);
      while (lines.length < target)
        lines.push(`${randomBytes(18).toString('hex').slice(0, 35).toUpperCase()}:0`);
    }
    response.writeHead(200, { 'content-type': 'text/plain' }).end(lines.join('\r\n'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    get mode() {
      return state.mode;
    },
    set mode(value: PwnedRangeMode) {
      state.mode = value;
    },
    breach(password, count = 42) {
      breached.set(sha1(password), count);
    },
    padWith(password) {
      padded.add(sha1(password));
    },
    stop: () =>
      new Promise<void>((resolve) => {
        for (const response of hung) response.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

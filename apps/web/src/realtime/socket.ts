import {
  type ClientFrame,
  RateLimitedDetails,
  ServerFrame,
  WS_CLOSE_RATE_LIMITED,
  WS_CLOSE_SESSION_EXPIRED,
  WS_CLOSE_SESSION_REVOKED,
  WS_CLOSE_UNAUTHENTICATED,
  WS_HEARTBEAT_MS,
} from '@parley/contract';

/** Where the connection stands, for the "offline / reconnecting" notice. */
export type SocketStatus = 'connecting' | 'open' | 'offline' | 'reconnecting';

export interface SocketHandlers {
  /** Authenticated (`ready`): time to send `resume`. */
  onReady(frame: Extract<ServerFrame, { type: 'ready' }>): void;
  /** Every other frame, parsed with the contract's schema. */
  onFrame(frame: ServerFrame): void;
  onStatus(status: SocketStatus): void;
  /** `session_revoked` or close 4001: the session is over; no reconnect. */
  onRevoked(): void;
  /** The socket closed before it was ever ready (e.g. 4401 or a refused upgrade): the session may be gone. */
  onRefused(): void;
  /**
   * Refreshes the session over HTTP (`GET /api/me` re-issues an old enough session cookie): `live`,
   * `ended` (401: the session is over) or `unknown` (offline, server trouble).
   */
  refreshSession(): Promise<SessionRefresh>;
}

export type SessionRefresh = 'live' | 'ended' | 'unknown';

export interface BackoffOptions {
  baseMs: number;
  maxMs: number;
}

/** Exponential backoff with "equal jitter": half the step fixed, half random, capped. */
export function backoffDelay(
  attempt: number,
  { baseMs, maxMs }: BackoffOptions,
  random = Math.random,
): number {
  const step = Math.min(maxMs, baseMs * 2 ** Math.min(attempt, 16));
  return Math.round(step / 2 + random() * (step / 2));
}

/** A ping goes out this often; without a pong this soon after, the connection is presumed dead. */
const PING_EVERY_MS = WS_HEARTBEAT_MS;
const PONG_TIMEOUT_MS = 10_000;
/**
 * While open, the session is refreshed over HTTP every half of the socket token's remaining life, within
 * these bounds. An open socket makes no HTTP request of its own, so without this the cookie would expire
 * together with the socket's token and the refresh after `session_expired` (4002) would find it dead.
 */
const REFRESH_MIN_MS = 5_000;
const REFRESH_MAX_MS = 30 * 60_000;
/** A timer that fires this much later than scheduled means the machine slept. */
const SLEEP_GAP_MS = 15_000;
const TICK_MS = 5_000;

function socketUrl(): string {
  const scheme = window.location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${window.location.host}/api/ws`;
}

/**
 * The tab's one WebSocket to `/api/ws`, kept alive: it reconnects with exponential backoff and jitter,
 * waits for the browser's `online` event when offline, and pings the server (reconnecting when no pong
 * comes back) after the laptop sleeps, the tab comes back to the foreground, or every heartbeat interval.
 * `session_revoked`/4001 ends it (sign in again); `session_expired`/4002 refreshes the session over
 * HTTP and reconnects at once, and the session is refreshed periodically while the socket is open.
 */
export class RealtimeSocket {
  #ws: WebSocket | undefined;
  #ready = false;
  #attempt = 0;
  #status: SocketStatus = 'connecting';
  #reconnectTimer: number | undefined;
  #pongTimer: number | undefined;
  #tickTimer: number | undefined;
  #refreshTimer: number | undefined;
  #lastTick = Date.now();
  #lastPing = 0;
  #running = false;

  constructor(
    private readonly handlers: SocketHandlers,
    private readonly backoff: BackoffOptions = { baseMs: 500, maxMs: 30_000 },
  ) {}

  get ready(): boolean {
    return this.#ready;
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    window.addEventListener('online', this.#onOnline);
    window.addEventListener('offline', this.#onOffline);
    document.addEventListener('visibilitychange', this.#onVisible);
    this.#lastTick = Date.now();
    this.#tickTimer = window.setInterval(this.#tick, TICK_MS);
    if (navigator.onLine === false) this.#setStatus('offline');
    else this.#connect();
  }

  stop(): void {
    if (!this.#running) return;
    this.#running = false;
    window.removeEventListener('online', this.#onOnline);
    window.removeEventListener('offline', this.#onOffline);
    document.removeEventListener('visibilitychange', this.#onVisible);
    window.clearInterval(this.#tickTimer);
    window.clearTimeout(this.#reconnectTimer);
    this.#drop();
  }

  /** Sends a frame when the connection is authenticated; returns false (nothing sent) otherwise. */
  send(frame: ClientFrame): boolean {
    const ws = this.#ws;
    if (!this.#ready || !ws || ws.readyState !== WebSocket.OPEN) return false;
    ws.send(JSON.stringify(frame));
    return true;
  }

  /** Checks a possibly stale connection now (e.g. after sleep): ping, reconnect without a pong. */
  probe(): void {
    if (!this.#running) return;
    if (!this.#ws) {
      if (navigator.onLine !== false) this.#reconnectNow();
      return;
    }
    if (this.#ready) this.#ping();
  }

  #setStatus(status: SocketStatus): void {
    if (status === this.#status) return;
    this.#status = status;
    this.handlers.onStatus(status);
  }

  #connect(): void {
    window.clearTimeout(this.#reconnectTimer);
    this.#reconnectTimer = undefined;
    if (!this.#running || this.#ws) return;
    this.#setStatus(this.#attempt === 0 ? 'connecting' : 'reconnecting');
    const ws = new WebSocket(socketUrl());
    this.#ws = ws;
    this.#ready = false;
    let revoked = false;
    /** From a `rate_limited` error about the connection itself (too many sockets or connects). */
    let refusedForMs = 0;
    let expired = false;
    ws.onmessage = (event) => {
      if (this.#ws !== ws) return;
      let data: unknown;
      try {
        data = JSON.parse(String(event.data));
      } catch {
        return;
      }
      const parsed = ServerFrame.safeParse(data);
      if (!parsed.success) return;
      const frame = parsed.data;
      switch (frame.type) {
        case 'ready':
          this.#ready = true;
          this.#attempt = 0;
          this.#setStatus('open');
          this.#scheduleRefresh(frame.expiresAt);
          this.handlers.onReady(frame);
          return;
        case 'pong':
          window.clearTimeout(this.#pongTimer);
          this.#pongTimer = undefined;
          return;
        case 'session_revoked':
          revoked = true;
          this.stop();
          this.handlers.onRevoked();
          return;
        case 'session_expired':
          expired = true;
          return;
        default:
          if (frame.type === 'error' && frame.error.code === 'rate_limited' && !this.#ready) {
            const details = RateLimitedDetails.safeParse(frame.error.details);
            refusedForMs = (details.success ? details.data.retryAfter : 30) * 1000;
          }
          this.handlers.onFrame(frame);
      }
    };
    ws.onclose = (event) => {
      if (this.#ws !== ws) return;
      const wasReady = this.#ready;
      this.#drop();
      if (revoked || event.code === WS_CLOSE_SESSION_REVOKED) {
        this.stop();
        this.handlers.onRevoked();
        return;
      }
      if (event.code === WS_CLOSE_RATE_LIMITED) {
        // Refused for a limit (too many open tabs or connects), not for the session: wait as told.
        this.#scheduleReconnect(refusedForMs);
        return;
      }
      if (expired || event.code === WS_CLOSE_SESSION_EXPIRED) {
        void this.#renew();
        return;
      }
      if (!wasReady || event.code === WS_CLOSE_UNAUTHENTICATED) this.handlers.onRefused();
      this.#scheduleReconnect();
    };
  }

  /** Forgets the current socket (closing it if open) without scheduling anything. */
  #drop(): void {
    const ws = this.#ws;
    this.#ws = undefined;
    this.#ready = false;
    window.clearTimeout(this.#pongTimer);
    this.#pongTimer = undefined;
    window.clearInterval(this.#refreshTimer);
    this.#refreshTimer = undefined;
    if (ws) {
      ws.onmessage = null;
      ws.onclose = null;
      if (ws.readyState === WebSocket.OPEN || ws.readyState === WebSocket.CONNECTING) ws.close(1000);
    }
  }

  /**
   * After `session_expired` (4002): the socket's token ran out, the session may not have. Refresh it,
   * then reconnect at once (the store resumes from its positions, so nothing is lost); sign in again if
   * the session is over; retry with backoff if the refresh could not tell.
   */
  async #renew(): Promise<void> {
    this.#setStatus('reconnecting');
    const result = await this.handlers.refreshSession();
    if (!this.#running || this.#ws) return;
    if (result === 'ended') {
      this.stop();
      this.handlers.onRevoked();
    } else if (result === 'live') {
      this.#attempt = 0;
      this.#connect();
    } else {
      this.#scheduleReconnect();
    }
  }

  /** Keeps the session cookie fresh while the socket is open (see REFRESH_MIN_MS). */
  #scheduleRefresh(expiresAt: string | undefined): void {
    window.clearInterval(this.#refreshTimer);
    this.#refreshTimer = undefined;
    const expires = expiresAt === undefined ? Number.NaN : Date.parse(expiresAt);
    if (!Number.isFinite(expires)) return;
    const every = Math.min(REFRESH_MAX_MS, Math.max(REFRESH_MIN_MS, (expires - Date.now()) / 2));
    this.#refreshTimer = window.setInterval(() => {
      void this.handlers.refreshSession().then((result) => {
        if (result !== 'ended' || !this.#running) return;
        this.stop();
        this.handlers.onRevoked();
      });
    }, every);
  }

  #scheduleReconnect(atLeastMs = 0): void {
    if (!this.#running) return;
    if (navigator.onLine === false) {
      this.#setStatus('offline');
      return;
    }
    this.#setStatus('reconnecting');
    const delay = Math.max(atLeastMs, backoffDelay(this.#attempt, this.backoff));
    this.#attempt += 1;
    window.clearTimeout(this.#reconnectTimer);
    this.#reconnectTimer = window.setTimeout(() => this.#connect(), delay);
  }

  #reconnectNow(): void {
    this.#drop();
    this.#attempt = 0;
    this.#connect();
  }

  #ping(): void {
    if (this.#pongTimer !== undefined) return;
    this.#lastPing = Date.now();
    if (!this.send({ type: 'ping' })) return;
    this.#pongTimer = window.setTimeout(() => {
      this.#pongTimer = undefined;
      // No pong: the connection is dead even if the browser has not noticed yet.
      this.#drop();
      this.#scheduleReconnect();
    }, PONG_TIMEOUT_MS);
  }

  #tick = (): void => {
    const now = Date.now();
    const slept = now - this.#lastTick > SLEEP_GAP_MS;
    this.#lastTick = now;
    if (slept) this.probe();
    else if (this.#ready && now - this.#lastPing >= PING_EVERY_MS) this.#ping();
  };

  #onOnline = (): void => {
    if (!this.#running) return;
    this.#reconnectNow();
  };

  #onOffline = (): void => {
    if (!this.#running) return;
    window.clearTimeout(this.#reconnectTimer);
    this.#drop();
    this.#setStatus('offline');
  };

  #onVisible = (): void => {
    if (document.visibilityState === 'visible') this.probe();
  };
}

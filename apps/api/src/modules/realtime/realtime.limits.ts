import type { LimitsConfig, RateName } from '../../config.js';
import { type AppError, rateLimited } from '../../errors.js';
import { addressKey } from '../../platform/limits/address-key.js';
import {
  type LimitDecision,
  type Limiter,
  retryAfterSeconds,
  SLOT_LEASE_MS,
  type SlotLease,
} from '../../platform/limits/limiter.js';
import type { Rate } from '../../platform/limits/rate.js';

/** The socket-cap key of one user's open WebSockets; how many are held says whether they are connected. */
export const userSocketsKey = (userId: string): string => `ws-user:${userId}`;

/** What a client refused for a socket cap is told to wait: about when a lapsed lease of a dead instance frees. */
const CAP_RETRY_AFTER = retryAfterSeconds(SLOT_LEASE_MS / 2);

/**
 * A socket's own frame allowance (`LIMIT_WS_FRAMES`): a fixed window in the connection itself, since a
 * socket lives on one instance. It guards the work every frame costs before any per-user limit applies:
 * parsing, validation, resume queries.
 */
export class FrameBudget {
  #windowEnd = 0;
  #count = 0;

  constructor(
    private readonly rate: Rate,
    private readonly now: () => number,
    private readonly refused: (limit: 'wsFrames') => void = () => undefined,
  ) {}

  /** Undefined when the frame may be handled; otherwise the seconds until the next window. */
  take(): number | undefined {
    const at = this.now();
    if (at >= this.#windowEnd) {
      this.#windowEnd = at + this.rate.windowMs;
      this.#count = 0;
    }
    this.#count += 1;
    if (this.#count <= this.rate.count) return undefined;
    this.refused('wsFrames');
    return retryAfterSeconds(this.#windowEnd - at);
  }
}

/**
 * The WebSocket gateway's limits: who may hold a socket (per address, per user, connects per user) and
 * what the per-user frames (`send`, `typing`) spend. Counters are the same as HTTP's, so a `send` and a
 * `POST …/messages` share one `LIMIT_MESSAGES` allowance, on every instance when Redis is configured.
 */
export class RealtimeLimits {
  constructor(
    private readonly limiter: Limiter,
    private readonly check: (rate: RateName, key: string) => Promise<LimitDecision>,
    private readonly config: LimitsConfig,
    private readonly now: () => number,
    /** Counts a refusal by a limit this class enforces itself (socket caps, frames); `check` counts its own. */
    private readonly refused: (limit: 'wsSocketsPerIp' | 'wsSocketsPerUser' | 'wsFrames') => void = () =>
      undefined,
  ) {}

  /** One of the client address's socket slots (its /64 for IPv6), taken as the upgrade completes. */
  async admitAddress(ip: string): Promise<SlotLease | AppError> {
    const lease = await this.limiter.acquire(`ws-ip:${addressKey(ip)}`, this.config.wsSocketsPerIp);
    if (!lease) this.refused('wsSocketsPerIp');
    return lease ?? rateLimited(CAP_RETRY_AFTER, 'Too many open connections from this address');
  }

  /** When the socket authenticates: a connect from the user's allowance, then one of their socket slots. */
  async admitUser(userId: string): Promise<SlotLease | AppError> {
    const connects = await this.check('wsConnects', userId);
    if (!connects.allowed) return rateLimited(connects.retryAfter, 'Too many connections');
    const lease = await this.limiter.acquire(userSocketsKey(userId), this.config.wsSocketsPerUser);
    if (!lease) this.refused('wsSocketsPerUser');
    return lease ?? rateLimited(CAP_RETRY_AFTER, 'Too many open connections for this account');
  }

  /** Spends one of the user's `rate`; the error to answer with when it is used up. */
  async spend(rate: 'messages' | 'typing', userId: string): Promise<AppError | undefined> {
    const decision = await this.check(rate, userId);
    if (decision.allowed) return undefined;
    return rateLimited(
      decision.retryAfter,
      rate === 'messages' ? 'Sending too fast' : 'Too many typing events',
    );
  }

  frameBudget(): FrameBudget {
    return new FrameBudget(this.config.rates.wsFrames, this.now, this.refused);
  }
}

import { AppError } from '../../errors.js';
import type { SlotLease } from '../../platform/limits/limiter.js';
import type { RealtimeLimits } from './realtime.limits.js';

/**
 * The socket-cap slots one WebSocket holds (one of its address's, then one of its user's once it
 * authenticates), kept until the socket ends. A slot granted after the socket ended is given back at once.
 */
export class SocketAdmission {
  readonly #leases: SlotLease[] = [];
  #released = false;

  constructor(private readonly limits: RealtimeLimits) {}

  /** One of the client address's socket slots; the refusal to answer with when there is none. */
  async admitAddress(address: string): Promise<AppError | undefined> {
    return this.#hold(await this.limits.admitAddress(address));
  }

  /** A connect from the user's allowance and one of their socket slots; the refusal when not granted. */
  async admitUser(userId: string): Promise<AppError | undefined> {
    return this.#hold(await this.limits.admitUser(userId));
  }

  /** The socket ended: every slot goes back. */
  release(): void {
    this.#released = true;
    for (const lease of this.#leases.splice(0)) lease.release();
  }

  #hold(admitted: SlotLease | AppError): AppError | undefined {
    if (admitted instanceof AppError) return admitted;
    if (this.#released) admitted.release();
    else this.#leases.push(admitted);
    return undefined;
  }
}

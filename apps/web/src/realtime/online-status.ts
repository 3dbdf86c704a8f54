import type { ActivityState, PresenceStatus } from '@parley/contract';

/** A status a dot shows as something other than offline. */
export type ShownStatus = Exclude<PresenceStatus, 'offline'>;

/**
 * Who, among the people the user shares conversations with, is online or away (everyone else is offline):
 * replaced by each `ready` frame's snapshot, then moved by `presence` frames.
 */
export interface OnlineStatuses {
  readonly statuses: Readonly<Record<string, ShownStatus>>;
}

export type OnlineStatusEvent =
  | { type: 'snapshot'; statuses: Readonly<Record<string, ShownStatus>> }
  | { type: 'presence'; userId: string; status: PresenceStatus };

/** Statuses after one event; the same object when nothing changed. */
export function reduceOnlineStatuses(state: OnlineStatuses, event: OnlineStatusEvent): OnlineStatuses {
  switch (event.type) {
    case 'snapshot':
      return { statuses: { ...event.statuses } };
    case 'presence': {
      const current = state.statuses[event.userId];
      if (event.status === 'offline') {
        if (current === undefined) return state;
        const statuses = { ...state.statuses };
        delete statuses[event.userId];
        return { statuses };
      }
      if (current === event.status) return state;
      return { statuses: { ...state.statuses, [event.userId]: event.status } };
    }
  }
}

/** The status to show for a user (offline unless known otherwise). */
export function statusOf(state: OnlineStatuses, userId: string): PresenceStatus {
  return state.statuses[userId] ?? 'offline';
}

/** Words for each status: the accessible text beside every dot (the dot's colour and shape repeat it). */
export const STATUS_LABEL: Record<PresenceStatus, string> = {
  online: 'Online',
  away: 'Away',
  offline: 'Offline',
};

/** No keyboard, pointer or touch input for this long makes the tab idle (the user shows as away). */
export const IDLE_AFTER_MS = 5 * 60_000;
/** Input is noticed at most this often (mouse moves fire many times a second). */
const INPUT_THROTTLE_MS = 5_000;

/**
 * This tab's activity for presence: `idle` while the page is hidden or after IDLE_AFTER_MS without input,
 * `active` otherwise. Calls `report` on every change; the store sends it as an `activity` frame.
 */
export class ActivityWatcher {
  #state: ActivityState = 'active';
  #lastInput = Date.now();
  #timer: number | undefined;
  #running = false;

  constructor(
    private readonly report: (state: ActivityState) => void,
    private readonly idleAfterMs = IDLE_AFTER_MS,
  ) {}

  get state(): ActivityState {
    return this.#state;
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#lastInput = Date.now();
    for (const type of ['pointerdown', 'pointermove', 'keydown', 'wheel', 'touchstart', 'focus'])
      window.addEventListener(type, this.#onInput, { passive: true, capture: true });
    document.addEventListener('visibilitychange', this.#onVisibility);
    this.#timer = window.setInterval(this.#check, Math.min(this.idleAfterMs, 30_000));
    this.#check();
  }

  stop(): void {
    if (!this.#running) return;
    this.#running = false;
    for (const type of ['pointerdown', 'pointermove', 'keydown', 'wheel', 'touchstart', 'focus'])
      window.removeEventListener(type, this.#onInput, { capture: true });
    document.removeEventListener('visibilitychange', this.#onVisibility);
    window.clearInterval(this.#timer);
  }

  #set(state: ActivityState): void {
    if (state === this.#state) return;
    this.#state = state;
    this.report(state);
  }

  #check = (): void => {
    const hidden = document.visibilityState === 'hidden';
    this.#set(hidden || Date.now() - this.#lastInput >= this.idleAfterMs ? 'idle' : 'active');
  };

  #onInput = (): void => {
    const now = Date.now();
    if (this.#state === 'active' && now - this.#lastInput < INPUT_THROTTLE_MS) return;
    this.#lastInput = now;
    this.#check();
  };

  #onVisibility = (): void => {
    if (document.visibilityState === 'visible') this.#lastInput = Date.now();
    this.#check();
  };
}

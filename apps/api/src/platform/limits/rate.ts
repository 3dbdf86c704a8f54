/** A rate limit: at most `count` hits per fixed window of `windowMs`, the window starting at the first hit. */
export interface Rate {
  readonly count: number;
  readonly windowMs: number;
}

/** The longest window a rate may name: a week. */
const MAX_WINDOW_SECONDS = 7 * 24 * 3600;

/**
 * Parses the `<count>/<seconds>s` notation of every `LIMIT_*` variable (`60/10s`: 60 per 10 seconds).
 * Throws an Error saying what is wrong; config.ts turns it into a ConfigError line.
 */
export function parseRate(value: string): Rate {
  const match = /^\s*(\d{1,15})\s*\/\s*(\d{1,7})s\s*$/.exec(value);
  const count = Number(match?.[1]);
  const seconds = Number(match?.[2]);
  if (!match || count < 1 || seconds < 1 || seconds > MAX_WINDOW_SECONDS) {
    throw new Error(
      `"${value}" is not <count>/<seconds>s with count ≥ 1 and 1 ≤ seconds ≤ ${MAX_WINDOW_SECONDS}, e.g. 60/10s`,
    );
  }
  return { count, windowMs: seconds * 1000 };
}

/** The notation back, for logs and docs. */
export function formatRate(rate: Rate): string {
  return `${rate.count}/${rate.windowMs / 1000}s`;
}

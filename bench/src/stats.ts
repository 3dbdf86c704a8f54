/** Latency samples in milliseconds; percentiles by nearest rank on the sorted samples. */
export class Samples {
  readonly #values: number[] = [];
  #sorted = true;

  add(value: number): void {
    this.#values.push(value);
    this.#sorted = false;
  }

  get count(): number {
    return this.#values.length;
  }

  percentile(p: number): number | null {
    if (this.#values.length === 0) return null;
    if (!this.#sorted) {
      this.#values.sort((a, b) => a - b);
      this.#sorted = true;
    }
    const rank = Math.min(
      this.#values.length - 1,
      Math.max(0, Math.ceil((p / 100) * this.#values.length) - 1),
    );
    return this.#values[rank] ?? null;
  }

  summary(): LatencySummary {
    const round = (value: number | null) => (value === null ? null : Math.round(value * 100) / 100);
    return {
      count: this.count,
      p50: round(this.percentile(50)),
      p90: round(this.percentile(90)),
      p99: round(this.percentile(99)),
      max: round(this.percentile(100)),
    };
  }
}

export interface LatencySummary {
  count: number;
  p50: number | null;
  p90: number | null;
  p99: number | null;
  max: number | null;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Runs `work` over `items` with at most `limit` in flight. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next;
      next += 1;
      results[index] = await work(items[index] as T, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

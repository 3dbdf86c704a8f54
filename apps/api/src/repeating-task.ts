/**
 * Runs `run` every `intervalMs` (±10 %, so instances started together drift apart), one run at a time,
 * in-process: no queue server. A run reports its own failures (a rejection is swallowed here, so a bad
 * run never stops the next one). stop() cancels the next run and waits for one in progress.
 */
export class RepeatingTask {
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<unknown> | undefined;
  #stopped = true;

  constructor(
    private readonly intervalMs: number,
    private readonly run: () => Promise<unknown>,
  ) {}

  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    this.#schedule();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#running;
  }

  #schedule(): void {
    if (this.#stopped) return;
    const delay = this.intervalMs * (0.9 + Math.random() * 0.2);
    this.#timer = setTimeout(() => {
      this.#running = this.run()
        .catch(() => undefined)
        .finally(() => {
          this.#running = undefined;
          this.#schedule();
        });
    }, delay);
    this.#timer.unref();
  }
}

/**
 * Runs a background task every `intervalMs` in this process, never two runs at once
 * (a tick while one runs is skipped); `stop()` waits for the run in progress. An
 * interval of 0 never starts it (another process does the work). The timer does not
 * keep the process alive. Shared by the outbox workers and the `$import` worker.
 */
export class Periodic {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly intervalMs: number,
    /** The task; it should not throw (a rejection is dropped, the next tick runs it again). */
    private readonly run: () => Promise<unknown>,
  ) {}

  /** True once stop() was called: a long run should end early. */
  get isStopped(): boolean {
    return this.stopped;
  }

  start(): void {
    if (this.timer !== undefined || this.stopped || this.intervalMs === 0) return;
    this.timer = setInterval(() => {
      this.running ??= this.run().then(
        () => {
          this.running = undefined;
        },
        () => {
          this.running = undefined;
        },
      );
    }, this.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }
}

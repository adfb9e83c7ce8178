/**
 * At most `max` tasks at once; the others wait their turn in arrival order. Bundles
 * are limited this way so that many clients posting large Bundles together queue
 * (their bodies wait unread in the socket) instead of all being parsed into memory.
 */
export class Limiter {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly max: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.running >= this.max) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.running += 1;
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      if (next === undefined) this.running -= 1;
      else next(); // the slot passes straight to the next task
    }
  }
}

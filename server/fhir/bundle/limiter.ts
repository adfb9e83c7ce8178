/**
 * At most `max` tasks at once, and (optionally) at most `budget` of their weight at
 * once; the others wait their turn in arrival order. Bundles are limited this way,
 * weighed by their declared size, so that many clients posting large Bundles together
 * queue (their bodies wait unread in the socket) instead of all being parsed into
 * memory, while small ones still run side by side. A task weighing more than the
 * whole budget runs alone.
 */
export class Limiter {
  private running = 0;
  private inFlight = 0;
  private readonly waiting: { readonly weight: number; readonly start: () => void }[] = [];

  constructor(
    private readonly max: number,
    private readonly budget = Number.POSITIVE_INFINITY,
  ) {}

  async run<T>(task: () => Promise<T>, weight = 0): Promise<T> {
    const w = Math.min(Math.max(weight, 0), this.budget);
    // Arrival order: nobody overtakes a waiting task, however light.
    if (this.waiting.length > 0 || !this.fits(w)) await new Promise<void>((start) => this.waiting.push({ weight: w, start }));
    else this.take(w);
    try {
      return await task();
    } finally {
      this.running -= 1;
      this.inFlight -= w;
      this.startWaiting();
    }
  }

  private fits(weight: number): boolean {
    return this.running < this.max && this.inFlight + weight <= this.budget;
  }

  private take(weight: number): void {
    this.running += 1;
    this.inFlight += weight;
  }

  private startWaiting(): void {
    for (let next = this.waiting[0]; next !== undefined && this.fits(next.weight); next = this.waiting[0]) {
      this.waiting.shift();
      this.take(next.weight);
      next.start();
    }
  }
}

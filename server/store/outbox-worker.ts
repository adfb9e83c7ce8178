import type { Logger } from 'pino';
import type { Pool, PoolClient } from './db.js';
import { drainOutbox, type OutboxJob } from './outbox.js';
import { Periodic } from './periodic.js';

export interface OutboxWorkerOptions {
  /** How often to look for jobs (ms); 0: never (another process does the work). */
  readonly intervalMs: number;
  /** When this process last served a request (ms since epoch). */
  readonly lastActivity?: () => number;
  /** Jobs claimed (and handled) per transaction. */
  readonly batchSize?: number;
  /** While requests come in, the share of this process's time a backlog may take, (0, 1]. */
  readonly busyShare?: number;
  /** Batches handled at once (each in its own transaction) while `lastActivity` is more than a second ago. */
  readonly parallel?: number;
}

/** Handles a claim of jobs inside the claiming transaction (client: that transaction's connection). */
export type OutboxHandler = (jobs: readonly OutboxJob[], client: PoolClient) => Promise<void>;

/**
 * Drains one outbox topic in the background (outbox.ts): every `intervalMs` it claims
 * jobs `batchSize` at a time until none are ready. Every server process runs one per
 * topic; `FOR UPDATE SKIP LOCKED` shares the work. While requests keep arriving, a
 * backlog gets at most `busyShare` of the process's time, so requests keep priority
 * and the backlog of a burst drains mostly after it; with no requests, full speed.
 */
export class OutboxWorker {
  private readonly periodic: Periodic;
  private readonly lastActivity: () => number;
  private readonly batchSize: number;
  private readonly busyShare: number;
  private readonly parallel: number;

  constructor(
    private readonly pool: Pool,
    private readonly topic: string,
    private readonly handle: OutboxHandler,
    private readonly log: Logger,
    options: OutboxWorkerOptions,
  ) {
    this.periodic = new Periodic(options.intervalMs, () => this.runOnce());
    this.lastActivity = options.lastActivity ?? (() => 0);
    this.batchSize = options.batchSize ?? 200;
    this.busyShare = options.busyShare ?? 0.1;
    this.parallel = Math.max(1, options.parallel ?? 1);
  }

  start(): void {
    this.periodic.start();
  }

  stop(): Promise<void> {
    return this.periodic.stop();
  }

  /** Drains what is ready now; returns how many jobs were done. */
  async runOnce(): Promise<number> {
    // Idle: several batches at once, so that this process and PostgreSQL work at the same time.
    const loops = this.busy() ? 1 : this.parallel;
    const done = await Promise.all(Array.from({ length: loops }, () => this.drain(this.busyShare / loops)));
    return done.reduce((a, b) => a + b, 0);
  }

  private busy(): boolean {
    return Date.now() - this.lastActivity() < 1000;
  }

  /** Claims batches until none is full; while busy, takes at most `share` of the time. */
  private async drain(share: number): Promise<number> {
    let total = 0;
    let started = Date.now();
    for (;;) {
      const { done, error } = await drainOutbox(this.pool, this.topic, this.batchSize, this.handle);
      if (error !== undefined) {
        this.log.error({ topic: this.topic, err: error instanceof Error ? error.message : 'unknown error' }, 'background batch failed; will retry');
        return total;
      }
      total += done;
      if (done < this.batchSize || this.periodic.isStopped) return total;
      const pause = ((Date.now() - started) * (1 - share)) / share;
      const busy = this.busy();
      await new Promise<void>((r) => (busy ? setTimeout(r, Math.min(5000, pause)) : setImmediate(r)));
      started = Date.now();
    }
  }
}

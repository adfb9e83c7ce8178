import type { Logger } from 'pino';
import type { BundleProcessor } from '../fhir/bundle/bundle-processor.js';
import type { EntryAccess } from '../fhir/bundle/types.js';
import type { ChunkResult, ClaimedChunk, ImportJobStore, OutboxMessage } from '../store/import-job-store.js';
import { loadChunk } from './import-chunk.js';
import { totalsOf, type ImportTotals } from './import-totals.js';

/**
 * What a job may do, rebuilt from the submitter's grant stored with it (AUTH_MODE=smart;
 * server/auth/guard/import-access.ts): every entry is authorized and every write
 * checked and audited as it would be for `POST /fhir` with the submitter's token.
 */
export interface ImportJobAccess {
  readonly entries: EntryAccess;
  /** The audit record of the finished job. */
  completed(jobId: string, totals: ImportTotals): OutboxMessage;
}

/** Undefined when there is no access control (AUTH_MODE=none). */
export type ImportAccessFactory = (principal: unknown, requestId: string) => ImportJobAccess | undefined;

export interface ImportWorkerOptions {
  /** How often to look for queued chunks (IMPORT_WORKER_INTERVAL_MS); 0: never (another process does). */
  readonly intervalMs: number;
}

/**
 * Runs `$import` jobs in the background, in every server process: each tick claims
 * queued chunks one at a time until none is left (ImportJobStore.claim; processes
 * share the work through SKIP LOCKED) and loads each through the Bundle processor
 * with the submitter's access. A chunk that cannot be loaded now (the database gone)
 * stays queued for the next tick.
 */
export class ImportWorker {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;
  private stopped = false;

  constructor(
    private readonly store: ImportJobStore,
    private readonly processor: BundleProcessor,
    private readonly accessFor: ImportAccessFactory,
    private readonly log: Logger,
    private readonly options: ImportWorkerOptions,
  ) {}

  start(): void {
    if (this.timer !== undefined || this.stopped || this.options.intervalMs === 0) return;
    this.timer = setInterval(() => {
      this.running ??= this.runOnce().finally(() => {
        this.running = undefined;
      });
    }, this.options.intervalMs);
    this.timer.unref();
  }

  /** Stops claiming; resolves when the chunk being loaded, if any, is done. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** Loads queued chunks until none is left (or the worker is stopped); returns how many. */
  async runOnce(): Promise<number> {
    let n = 0;
    try {
      while (!this.stopped && (await this.store.claim((c) => this.load(c), (c, results) => this.completed(c, results)))) n += 1;
    } catch (err) {
      // Never the chunk's content (PHI): the job, and the error's message.
      this.log.error({ err: err instanceof Error ? err.message : 'unknown error' }, '$import chunk failed; it stays queued and will be retried');
    }
    return n;
  }

  private load(chunk: ClaimedChunk): Promise<ChunkResult> {
    return loadChunk(this.processor, chunk, this.accessFor(chunk.principal, chunk.requestId)?.entries);
  }

  private completed(chunk: ClaimedChunk, results: readonly ChunkResult[]): OutboxMessage | undefined {
    const totals = totalsOf(results);
    this.log.info({ job: chunk.jobId, loaded: totals.loaded, skipped: totals.skipped, failed: totals.failed }, '$import job done');
    return this.accessFor(chunk.principal, chunk.requestId)?.completed(chunk.jobId, totals);
  }
}

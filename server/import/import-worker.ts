import type { Logger } from 'pino';
import { FhirError } from '../errors/fhir-error.js';
import type { BundleProcessor } from '../fhir/bundle/bundle-processor.js';
import type { EntryAccess } from '../fhir/bundle/types.js';
import type { ImportJobStore } from '../store/import-job-store.js';
import type { ChunkAdder, ChunkResult, ClaimedChunk, OutboxMessage } from '../store/import-job-types.js';
import { Periodic } from '../store/periodic.js';
import { fetchInput, inputRefused, type FetchInputOptions } from './fetch-input.js';
import { chunkFailed, loadChunk } from './import-chunk.js';
import { totalsOf, type ImportTotals } from './import-totals.js';
import { SourceError } from './source-fetch.js';

/**
 * What a job may do, rebuilt from the submitter's grant stored with it (AUTH_MODE=smart;
 * server/auth/guard/import-access.ts): every entry is authorized and every write
 * checked and audited as it would be for `POST /fhir` with the submitter's token.
 */
export interface ImportJobAccess {
  readonly entries: EntryAccess;
  /** Why the submitter may no longer act (client removed, user disabled, grant revoked), or undefined. */
  withdrawn(): Promise<string | undefined>;
  /** The audit record of the finished job. */
  completed(jobId: string, totals: ImportTotals): OutboxMessage;
}

/** Undefined when there is no access control (AUTH_MODE=none). */
export type ImportAccessFactory = (principal: unknown, requestId: string) => ImportJobAccess | undefined;

export interface ImportWorkerOptions {
  /** How often to look for queued chunks (IMPORT_WORKER_INTERVAL_MS); 0: never (another process does). */
  readonly intervalMs: number;
  /** Finished jobs older than this are deleted (IMPORT_RETENTION_HOURS); 0: kept. */
  readonly retentionHours: number;
  /** How the files of a manifest are fetched (IMPORT_ALLOWED_SOURCES, IMPORT_MAX_BYTES, IMPORT_FETCH_TIMEOUT_MS, IMPORT_CHUNK_LINES). */
  readonly fetch: FetchInputOptions;
  /** The wait before a failed chunk's second attempt (IMPORT_RETRY_BASE_MS); each later one waits four times longer. */
  readonly retryBaseMs: number;
}

/** The longest wait between two attempts of a chunk. */
const MAX_RETRY_DELAY_MS = 15 * 60 * 1000;

/**
 * How long a chunk whose load failed waits before it is claimed again: what the file
 * server asked for (Retry-After on a 429 or 503), else `baseMs` after the first
 * failure, four times that after the second, and so on (so a file server or database
 * that is down is not hammered), at most MAX_RETRY_DELAY_MS.
 */
export function retryDelayMs(attemptsBefore: number, error: unknown, baseMs: number): number {
  if (error instanceof SourceError && error.retryAfterMs !== undefined) return error.retryAfterMs;
  return Math.min(baseMs * 4 ** attemptsBefore, MAX_RETRY_DELAY_MS);
}

/** Old jobs are looked for at most this often. */
const RETENTION_SWEEP_MS = 10 * 60 * 1000;

/** Every entry refused (403) with `why`: the lines are reported failed, nothing is written. */
function refusingAll(why: string): EntryAccess {
  return {
    writeHook: undefined,
    authorizeEntry() {
      throw new FhirError('forbidden', why);
    },
  };
}

/**
 * Loads of a chunk that may fail on the database before its failed lines are
 * reported as such: a line that always breaks a statement (a value the database
 * refuses) must not hold its job, and every job queued after it, for ever.
 */
export const CHUNK_ATTEMPTS = 3;

/**
 * Claims of a chunk that may end with their process gone (killed while loading it,
 * out of memory...) before the chunk is reported failed instead of loaded again, so
 * that one chunk cannot stop the server processes one after the other for ever.
 */
export const UNFINISHED_CLAIMS = 2;

/**
 * Runs `$import` jobs in the background, in every server process: each tick claims
 * queued chunks one at a time until none is left (ImportJobStore.claim; processes
 * share the work through SKIP LOCKED) and loads each through the Bundle processor
 * with the submitter's access. A chunk that cannot be loaded now (the database gone)
 * stays queued for the next tick; one whose loads failed on the database
 * CHUNK_ATTEMPTS times is finished with those failures in its report.
 */
export class ImportWorker {
  private readonly periodic: Periodic;
  private sweptAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly store: ImportJobStore,
    private readonly processor: BundleProcessor,
    private readonly accessFor: ImportAccessFactory,
    private readonly log: Logger,
    private readonly options: ImportWorkerOptions,
  ) {
    this.periodic = new Periodic(options.intervalMs, () => this.runOnce());
  }

  start(): void {
    this.periodic.start();
  }

  /** Stops claiming; resolves when the chunk being loaded, if any, is done. */
  stop(): Promise<void> {
    return this.periodic.stop();
  }

  /**
   * Loads queued chunks until none is left (or the worker is stopped); returns how
   * many. Every RETENTION_SWEEP_MS it also deletes the jobs finished more than
   * IMPORT_RETENTION_HOURS ago.
   */
  async runOnce(): Promise<number> {
    await this.sweep();
    let n = 0;
    try {
      while (
        !this.periodic.isStopped &&
        (await this.store.claim(
          (c, added) => this.load(c, added),
          (c, results) => this.completed(c, results),
          (c, error) => retryDelayMs(c.attempts, error, this.options.retryBaseMs),
        ))
      ) {
        n += 1;
      }
    } catch (err) {
      // Never the chunk's content (PHI): the job, and the error's message.
      this.log.error({ err: err instanceof Error ? err.message : 'unknown error' }, '$import chunk failed; it stays queued and will be retried');
    }
    return n;
  }

  private async sweep(now = Date.now()): Promise<void> {
    if (this.options.retentionHours === 0 || now - this.sweptAt < RETENTION_SWEEP_MS) return;
    this.sweptAt = now;
    try {
      const removed = await this.store.removeFinishedBefore(this.options.retentionHours);
      if (removed > 0) this.log.info({ removed, retentionHours: this.options.retentionHours }, '$import: old jobs deleted');
    } catch (err) {
      this.log.error({ err: err instanceof Error ? err.message : 'unknown error' }, '$import: deleting old jobs failed; tried again later');
    }
  }

  /**
   * A `data` chunk is loaded; a `fetch` chunk (a manifest's file) is fetched and split
   * into `data` chunks added to its job, loaded by later claims.
   */
  private async load(chunk: ClaimedChunk, added: ChunkAdder): Promise<ChunkResult> {
    if (chunk.unfinishedClaims >= UNFINISHED_CLAIMS) {
      const why = `Not loaded: the server stopped while loading this part of the import ${String(chunk.unfinishedClaims)} times`;
      this.log.error({ job: chunk.jobId, seq: chunk.seq, claims: chunk.unfinishedClaims }, '$import: a chunk stopped its process repeatedly; reported failed');
      return chunk.kind === 'fetch' ? inputRefused(chunk, new FhirError('tooCostly', why)) : chunkFailed(chunk, new FhirError('tooCostly', why));
    }
    const access = this.accessFor(chunk.principal, chunk.requestId);
    const reason = await access?.withdrawn();
    const last = chunk.attempts + 1 >= CHUNK_ATTEMPTS;
    const withdrawn = reason === undefined ? undefined : `The submitter's access was withdrawn: ${reason}`;
    if (chunk.kind === 'fetch') {
      if (withdrawn !== undefined) return inputRefused(chunk, new FhirError('forbidden', withdrawn));
      // The origin only: a URL's path and query may carry a signed token.
      this.log.info({ job: chunk.jobId, input: chunk.input?.index, origin: chunk.input === undefined ? undefined : new URL(chunk.input.url).origin }, '$import: fetching an input');
      return fetchInput(chunk, added, this.options.fetch, last);
    }
    return loadChunk(this.processor, chunk, withdrawn === undefined ? access?.entries : refusingAll(withdrawn), last);
  }

  private completed(chunk: ClaimedChunk, results: readonly ChunkResult[]): OutboxMessage | undefined {
    const totals = totalsOf(results);
    this.log.info({ job: chunk.jobId, loaded: totals.loaded, skipped: totals.skipped, failed: totals.failed }, '$import job done');
    return this.accessFor(chunk.principal, chunk.requestId)?.completed(chunk.jobId, totals);
  }
}

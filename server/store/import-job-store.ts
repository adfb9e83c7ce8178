/**
 * The SQL of the asynchronous `$import` (issue #4; tables in
 * migrations/20261127180000_import_jobs.ts). Intake stores a job and all its chunks
 * in one transaction (nothing is stored when intake fails); workers in any process
 * claim chunks with `FOR UPDATE SKIP LOCKED` and hold that row lock while they load
 * the chunk, so a chunk is never run by two processes at once, and a chunk whose
 * process died (lock released, row still `queued`) is claimed again.
 */
import type { Pool, PoolClient } from './db.js';
import { withTransaction } from './db.js';
import { enqueue } from './outbox-enqueue.js';

/** What was posted: NDJSON, a Bundle, or a manifest of NDJSON files to fetch. */
export type ImportFormat = 'ndjson' | 'bundle' | 'manifest';
export type ImportJobState = 'queued' | 'running' | 'done' | 'cancelled';

export interface TypeTally {
  loaded: number;
  skipped: number;
  failed: number;
}

/** A failed NDJSON line (its number) or Bundle entry (its index), or a manifest input that could not be fetched (its url), with its OperationOutcome. */
export interface ImportFailure {
  readonly line?: number;
  readonly entry?: number;
  /** The manifest input (file) the line was in, or that failed as a whole. */
  readonly url?: string;
  readonly outcome: unknown;
}

/** One file of a manifest: its place in the manifest, the resource type it holds, its (normalized) URL. */
export interface ImportInput {
  readonly index: number;
  readonly type: string;
  readonly url: string;
}

/**
 * `data`: NDJSON lines or a Bundle, to load. `fetch`: a manifest input, to fetch and
 * split into `data` chunks (in the claim's transaction).
 */
export type ChunkKind = 'data' | 'fetch';

/** What one chunk did: counts per resource type, and its failures. */
export interface ChunkResult {
  readonly counts: Readonly<Record<string, TypeTally>>;
  readonly failures: readonly ImportFailure[];
}

export interface ImportJob {
  readonly id: string;
  readonly state: ImportJobState;
  readonly format: ImportFormat;
  readonly owner: string;
  readonly principal: unknown;
  readonly requestId: string;
  readonly chunks: number;
  readonly chunksDone: number;
  readonly lines: number;
  readonly submitted: Date;
  readonly started: Date | null;
  readonly finished: Date | null;
}

export interface NewImportJob {
  readonly id: string;
  readonly format: ImportFormat;
  readonly owner: string;
  readonly principal: unknown;
  readonly requestId: string;
}

/** A claimed chunk, with what the worker needs of its job. */
export interface ClaimedChunk {
  readonly jobId: string;
  readonly seq: number;
  readonly firstLine: number;
  readonly body: string;
  readonly format: ImportFormat;
  readonly kind: ChunkKind;
  /** The manifest input a `fetch` chunk is, or a `data` chunk came from. */
  readonly input: ImportInput | undefined;
  readonly principal: unknown;
  readonly requestId: string;
  /** Earlier loads of this chunk that failed on the database (the claim counts them). */
  readonly attempts: number;
}

/** An outbox message written in the transaction that finishes a job (its audit record). */
export interface OutboxMessage {
  readonly topic: string;
  readonly payload: unknown;
}

/** Called when a claim finishes the last chunk of a job, with every chunk's result. */
export type JobCompletion = (chunk: ClaimedChunk, results: readonly ChunkResult[]) => OutboxMessage | undefined;

/** Adds one chunk to the job being received: the number of its first line and its text. */
export type ChunkSink = (firstLine: number, body: string) => Promise<void>;

/** Adds one manifest input to the job being received (a `fetch` chunk). */
export type InputSink = (input: ImportInput) => Promise<void>;

/**
 * Given to the load of a claimed `fetch` chunk: adds the fetched file's NDJSON chunks
 * to the job in the claim's transaction, so they are stored exactly when the fetch
 * chunk is marked done (a crash leaves one or the other, never both).
 */
export interface ChunkAdder {
  readonly add: ChunkSink;
  /** Drops every chunk added so far (the input failed part-way). */
  discard(): Promise<void>;
}

interface ChunkRow {
  job_id: string;
  seq: number;
  first_line: number;
  body: string | null;
  kind: ChunkKind;
  input: ImportInput | null;
  format: ImportFormat;
  principal: unknown;
  request_id: string;
  attempts: number;
}

/**
 * The chunks a claimed `fetch` chunk adds (ChunkAdder). Their numbers come from the
 * job's `next_seq`, taken on the pool (committed at once, so two processes fetching
 * inputs of one job never wait for each other; a number lost to a rollback is a
 * harmless gap); the rows go into the claim transaction after the savepoint.
 */
class AddedChunks implements ChunkAdder {
  private chunks = 0;
  private lines = 0;

  constructor(
    private readonly pool: Pool,
    private readonly client: PoolClient,
    private readonly from: ClaimedChunk,
  ) {}

  readonly add: ChunkSink = async (firstLine, body) => {
    const r = await this.pool.query<{ seq: number }>('UPDATE import_job SET next_seq = next_seq + 1 WHERE id = $1 RETURNING next_seq - 1 AS seq', [this.from.jobId]);
    await this.client.query('INSERT INTO import_job_chunk (job_id, seq, first_line, body, input) VALUES ($1, $2, $3, $4, $5)', [
      this.from.jobId,
      r.rows[0]?.seq,
      firstLine,
      body,
      JSON.stringify(this.from.input ?? null),
    ]);
    this.chunks += 1;
    this.lines = Math.max(this.lines, firstLine + body.split('\n').length - 1);
  };

  async discard(): Promise<void> {
    await this.client.query('ROLLBACK TO SAVEPOINT claimed_load');
    this.chunks = 0;
    this.lines = 0;
  }

  /**
   * Adds the chunks and lines to the job's totals (X-Progress, the summary), last in
   * the claim: it locks the job row, which the next_seq updates above must not wait for.
   */
  async count(): Promise<void> {
    if (this.chunks === 0) return;
    await this.client.query('UPDATE import_job SET chunks = chunks + $2, lines = lines + $3 WHERE id = $1', [this.from.jobId, this.chunks, this.lines]);
  }
}

interface JobRow {
  id: string;
  state: ImportJobState;
  format: ImportFormat;
  owner: string;
  principal: unknown;
  request_id: string;
  chunks: number;
  chunks_done: number;
  lines: number;
  submitted: Date;
  started: Date | null;
  finished: Date | null;
}

const toJob = (r: JobRow): ImportJob => ({
  id: r.id,
  state: r.state,
  format: r.format,
  owner: r.owner,
  principal: r.principal,
  requestId: r.request_id,
  chunks: r.chunks,
  chunksDone: r.chunks_done,
  lines: r.lines,
  submitted: r.submitted,
  started: r.started,
  finished: r.finished,
});

async function results(client: PoolClient | Pool, jobId: string): Promise<ChunkResult[]> {
  const r = await client.query<{ result: ChunkResult }>(
    'SELECT result FROM import_job_chunk WHERE job_id = $1 AND result IS NOT NULL ORDER BY seq',
    [jobId],
  );
  return r.rows.map((row) => row.result);
}

export class ImportJobStore {
  constructor(private readonly pool: Pool) {}

  /**
   * Stores a job and the chunks `fill` produces, in one transaction: when `fill`
   * throws (a bad body, a refused type, over the size limit) nothing is stored.
   * `fill` returns the number of lines received.
   */
  async intake(job: NewImportJob, fill: (sink: ChunkSink, inputs: InputSink) => Promise<number>): Promise<void> {
    await withTransaction(this.pool, async (client) => {
      await client.query(
        `INSERT INTO import_job (id, state, format, owner, principal, request_id, chunks, lines)
         VALUES ($1, 'queued', $2, $3, $4, $5, 0, 0)`,
        [job.id, job.format, job.owner, job.principal === undefined ? null : JSON.stringify(job.principal), job.requestId],
      );
      let seq = 0;
      const sink: ChunkSink = async (firstLine, body) => {
        await client.query('INSERT INTO import_job_chunk (job_id, seq, first_line, body) VALUES ($1, $2, $3, $4)', [job.id, seq, firstLine, body]);
        seq += 1;
      };
      const inputs: InputSink = async (input) => {
        await client.query(`INSERT INTO import_job_chunk (job_id, seq, first_line, kind, input) VALUES ($1, $2, 0, 'fetch', $3)`, [job.id, seq, JSON.stringify(input)]);
        seq += 1;
      };
      const lines = await fill(sink, inputs);
      // A job with no chunk (an empty file) is done at once.
      await client.query(
        `UPDATE import_job SET chunks = $2, next_seq = $2, lines = $3,
                state = CASE WHEN $2 = 0 THEN 'done' ELSE state END,
                finished = CASE WHEN $2 = 0 THEN now() END
          WHERE id = $1`,
        [job.id, seq, lines],
      );
    });
  }

  async job(id: string): Promise<ImportJob | undefined> {
    const r = await this.pool.query<JobRow>(
      `SELECT j.*, (SELECT count(*)::int FROM import_job_chunk c WHERE c.job_id = j.id AND c.state = 'done') AS chunks_done
         FROM import_job j WHERE j.id = $1`,
      [id],
    );
    const row = r.rows[0];
    return row === undefined ? undefined : toJob(row);
  }

  /** The results of the job's finished chunks, in order. */
  results(id: string): Promise<ChunkResult[]> {
    return results(this.pool, id);
  }

  /**
   * Cancels a job that has not finished; false when it had. Its queued chunks are
   * dropped, except one a worker is loading right now (locked): that one completes,
   * and the cancelled job is not finished after it.
   */
  async cancel(id: string): Promise<boolean> {
    return withTransaction(this.pool, async (client) => {
      const r = await client.query(
        `UPDATE import_job SET state = 'cancelled', finished = now() WHERE id = $1 AND state IN ('queued', 'running')`,
        [id],
      );
      if (r.rowCount === 0) return false;
      await client.query(
        `DELETE FROM import_job_chunk WHERE (job_id, seq) IN (
           SELECT job_id, seq FROM import_job_chunk WHERE job_id = $1 AND state = 'queued' FOR UPDATE SKIP LOCKED)`,
        [id],
      );
      return true;
    });
  }

  /** Deletes the jobs (with their chunks and reports) that finished more than `hours` ago; returns how many. */
  async removeFinishedBefore(hours: number): Promise<number> {
    const r = await this.pool.query(
      `DELETE FROM import_job WHERE state IN ('done', 'cancelled') AND finished < now() - make_interval(hours => $1)`,
      [hours],
    );
    return r.rowCount ?? 0;
  }

  /** Forgets a finished job and its results (DELETE on the status URL of a finished job). */
  async remove(id: string): Promise<void> {
    await this.pool.query(`DELETE FROM import_job WHERE id = $1 AND state IN ('done', 'cancelled')`, [id]);
  }

  /**
   * Claims one queued chunk of a job that is not cancelled (oldest job first) and runs
   * `load` on it while the claim transaction holds the chunk's row lock; then marks
   * the chunk done with its result and, if it was the job's last, finishes the job,
   * all in that transaction. Returns false when there was nothing to claim. When
   * `load` throws, the chunk stays queued with one more attempt counted, not to be
   * claimed again for `retryDelayMs` of it and the error, and the error is thrown (the worker tries again on its next round; see ImportWorker).
   * `load` may add chunks to the job (a fetched file's lines): they are inserted in
   * the claim transaction, so they commit with the claimed chunk marked done, and are
   * rolled back with it when `load` throws or the process dies.
   */
  async claim(
    load: (chunk: ClaimedChunk, adder: ChunkAdder) => Promise<ChunkResult>,
    completion: JobCompletion,
    retryDelayMs: (chunk: ClaimedChunk, error: unknown) => number = () => 0,
  ): Promise<boolean> {
    let failure: { error: unknown } | undefined;
    const claimed = await withTransaction(this.pool, async (client) => {
      const r = await client.query<ChunkRow>(
        `SELECT c.job_id, c.seq, c.first_line, c.body, c.kind, c.input, j.format, j.principal, j.request_id, c.attempts
           FROM import_job_chunk c JOIN import_job j ON j.id = c.job_id
          WHERE c.state = 'queued' AND j.state IN ('queued', 'running') AND (c.not_before IS NULL OR c.not_before <= now())
          ORDER BY j.submitted, c.job_id, c.seq
          LIMIT 1 FOR UPDATE OF c SKIP LOCKED`,
      );
      const row = r.rows[0];
      if (row === undefined) return false;
      const chunk: ClaimedChunk = {
        jobId: row.job_id,
        seq: row.seq,
        firstLine: row.first_line,
        body: row.body ?? '',
        format: row.format,
        kind: row.kind,
        input: row.input ?? undefined,
        principal: row.principal,
        requestId: row.request_id,
        attempts: row.attempts,
      };
      // On the pool, not in the claim: pollers see `running` while the chunk loads.
      await this.pool.query(`UPDATE import_job SET state = 'running', started = now() WHERE id = $1 AND state = 'queued'`, [chunk.jobId]);
      const added = new AddedChunks(this.pool, client, chunk);
      await client.query('SAVEPOINT claimed_load');
      let result: ChunkResult;
      try {
        result = await load(chunk, added);
      } catch (error) {
        // The chunk's own writes ran on other connections; the claim drops the chunks it added and counts the attempt.
        await client.query('ROLLBACK TO SAVEPOINT claimed_load');
        await client.query(
          `UPDATE import_job_chunk SET attempts = attempts + 1, not_before = now() + $3 * interval '1 millisecond' WHERE job_id = $1 AND seq = $2`,
          [chunk.jobId, chunk.seq, Math.max(0, Math.round(retryDelayMs(chunk, error)))],
        );
        failure = { error };
        return true;
      }
      await client.query(`UPDATE import_job_chunk SET state = 'done', body = NULL, result = $3 WHERE job_id = $1 AND seq = $2`, [
        chunk.jobId,
        chunk.seq,
        JSON.stringify(result),
      ]);
      await added.count();
      await this.finishIfLast(client, chunk, completion);
      return true;
    });
    if (failure !== undefined) throw failure.error;
    return claimed;
  }

  /**
   * The job row is locked before counting, so of two processes finishing a job's
   * last two chunks at once, the second sees the first's chunk done and finishes it.
   */
  private async finishIfLast(client: PoolClient, chunk: ClaimedChunk, completion: JobCompletion): Promise<void> {
    const job = await client.query<{ state: ImportJobState }>('SELECT state FROM import_job WHERE id = $1 FOR UPDATE', [chunk.jobId]);
    if (job.rows[0]?.state !== 'running') return;
    const left = await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM import_job_chunk WHERE job_id = $1 AND state <> 'done'`, [chunk.jobId]);
    if ((left.rows[0]?.n ?? 1) > 0) return;
    await client.query(`UPDATE import_job SET state = 'done', finished = now() WHERE id = $1`, [chunk.jobId]);
    const message = completion(chunk, await results(client, chunk.jobId));
    if (message !== undefined) await enqueue(client, message.topic, [message.payload]);
  }
}

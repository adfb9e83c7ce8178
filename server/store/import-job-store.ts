/**
 * The SQL of the asynchronous `$import` (issue #4; tables in
 * migrations/20261127180000_import_jobs.ts). Intake stores a job and all its chunks
 * in one transaction (nothing is stored when intake fails); workers in any process
 * claim chunks with `FOR UPDATE SKIP LOCKED` and hold that row lock while they load
 * the chunk, so a chunk is never run by two processes at once, and a chunk whose
 * process died (lock released, row still `queued`) is claimed again.
 */
import type { Pool } from './db.js';
import { withTransaction } from './db.js';
import { BUNDLE_LOADED_TOPIC, claimChunk, jobResults } from './import-job-claim.js';
import type { ChunkAdder, ChunkResult, ChunkSink, ClaimedChunk, ImportFormat, ImportJob, ImportJobState, InputSink, JobCompletion, NewImportJob } from './import-job-types.js';

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
  resources_done: number;
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
  resourcesDone: r.resources_done,
  submitted: r.submitted,
  started: r.started,
  finished: r.finished,
});

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
      `SELECT j.*, d.chunks_done, d.resources_done
         FROM import_job j
        CROSS JOIN LATERAL (
          SELECT count(*)::int AS chunks_done,
                 coalesce(sum((SELECT sum((t.v ->> 'loaded')::int + (t.v ->> 'skipped')::int + (t.v ->> 'failed')::int)
                                 FROM jsonb_each(c.result -> 'counts') AS t(k, v))), 0)::int AS resources_done
            FROM import_job_chunk c WHERE c.job_id = j.id AND c.state = 'done') d
        WHERE j.id = $1`,
      [id],
    );
    const row = r.rows[0];
    return row === undefined ? undefined : toJob(row);
  }

  /** The results of the job's finished chunks, in order. */
  results(id: string): Promise<ChunkResult[]> {
    return jobResults(this.pool, id);
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

  /**
   * Deletes the jobs (with their chunks and reports) that finished more than `hours`
   * ago; returns how many. Also the loaded-Bundle records of jobs no longer there (a
   * job cancelled while a claim that died had loaded its Bundle: BUNDLE_LOADED_TOPIC).
   */
  async removeFinishedBefore(hours: number): Promise<number> {
    const r = await this.pool.query(
      `DELETE FROM import_job WHERE state IN ('done', 'cancelled') AND finished < now() - make_interval(hours => $1)`,
      [hours],
    );
    await this.pool.query(
      `DELETE FROM outbox o WHERE o.topic = $1 AND NOT EXISTS (SELECT 1 FROM import_job j WHERE j.id::text = o.payload ->> 'job')`,
      [BUNDLE_LOADED_TOPIC],
    );
    return r.rowCount ?? 0;
  }

  /** Forgets a finished job and its results (DELETE on the status URL of a finished job), and its loaded-Bundle records. */
  async remove(id: string): Promise<void> {
    await withTransaction(this.pool, async (client) => {
      const r = await client.query(`DELETE FROM import_job WHERE id = $1 AND state IN ('done', 'cancelled')`, [id]);
      if ((r.rowCount ?? 0) > 0) await client.query(`DELETE FROM outbox WHERE topic = $1 AND payload ->> 'job' = $2`, [BUNDLE_LOADED_TOPIC, id]);
    });
  }

  /**
   * Claims one queued chunk and loads it (claimChunk in import-job-claim.ts); false when
   * there was nothing to claim.
   */
  claim(
    load: (chunk: ClaimedChunk, adder: ChunkAdder) => Promise<ChunkResult>,
    completion: JobCompletion,
    retryDelayMs: (chunk: ClaimedChunk, error: unknown) => number = () => 0,
  ): Promise<boolean> {
    return claimChunk(this.pool, load, completion, retryDelayMs);
  }
}

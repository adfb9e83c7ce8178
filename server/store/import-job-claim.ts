/**
 * Claiming one `$import` chunk (ImportJobStore.claim): the chunk's row lock is held
 * while it loads, a fetched file's chunks are added in the claim's transaction, and
 * the job is finished with its last chunk.
 */
import type { Pool, PoolClient } from './db.js';
import { withTransaction } from './db.js';
import type { ChunkAdder, ChunkKind, ChunkResult, ChunkSink, ClaimedChunk, ImportFormat, ImportInput, ImportJobState, JobCompletion, LoadedBefore } from './import-job-types.js';
import { enqueue } from './outbox-enqueue.js';

/**
 * Outbox topic of the records that a Bundle chunk's database transactions leave, each
 * committing with the writes it names (import/import-chunk.ts): a transaction Bundle
 * leaves one, a batch Bundle one per transaction of its entries. The Bundle commits on
 * other connections before the claim does: a claim that dies in between leaves the
 * chunk queued, and its next claim finds the records, so the entries they name are
 * not loaded again (plain creates would be created twice). Nothing drains the topic:
 * the claim that marks the chunk done deletes its records.
 */
export const BUNDLE_LOADED_TOPIC = 'import-bundle-loaded';

/** What one transaction of a Bundle chunk records (BUNDLE_LOADED_TOPIC). */
export interface BundleLoaded {
  readonly job: string;
  readonly seq: number;
  /** The entries it loaded, by index in the Bundle (absent in records made before batch Bundles were recorded: all). */
  readonly entries?: readonly number[];
  /** Its entries' result. */
  readonly result: ChunkResult;
}

const LOADED_WHERE = `topic = '${BUNDLE_LOADED_TOPIC}' AND payload ->> 'job' = $1 AND payload ->> 'seq' = $2`;

/** Whether loading the chunk records it (a Bundle's; NDJSON lines are written again harmlessly). */
const recordsLoad = (chunk: ClaimedChunk): boolean => chunk.format === 'bundle' && chunk.kind === 'data';

/** What committed loads of this chunk recorded, if a claim died before marking the chunk done. */
async function loadedBefore(client: PoolClient, chunk: ClaimedChunk): Promise<LoadedBefore | undefined> {
  const r = await client.query<{ payload: BundleLoaded }>(`SELECT payload FROM outbox WHERE ${LOADED_WHERE} ORDER BY id`, [chunk.jobId, String(chunk.seq)]);
  if (r.rows.length === 0) return undefined;
  let entries: Set<number> | undefined = new Set();
  for (const { payload } of r.rows) {
    if (payload.entries === undefined) entries = undefined;
    else for (const i of payload.entries) entries?.add(i);
  }
  return { entries, results: r.rows.map((row) => row.payload.result) };
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

/** The results of a job's finished chunks, in order. */
export async function jobResults(client: PoolClient | Pool, jobId: string): Promise<ChunkResult[]> {
  const r = await client.query<{ result: ChunkResult }>(
    'SELECT result FROM import_job_chunk WHERE job_id = $1 AND result IS NOT NULL ORDER BY seq',
    [jobId],
  );
  return r.rows.map((row) => row.result);
}

/**
 * Claims one queued chunk of a job that is not cancelled (oldest job first) and runs
 * `load` on it while the claim transaction holds the chunk's row lock; then marks
 * the chunk done with its result and, if it was the job's last, finishes the job,
 * all in that transaction. Returns false when there was nothing to claim. When
 * `load` throws, the chunk stays queued with one more attempt counted, not to be
 * claimed again for `retryDelayMs` of it and the error, and the error is thrown
 * (the worker tries again later; see ImportWorker). Each claim is also counted on
 * its own, committed at once, so that the claims a dying process left unfinished
 * are known to the next one (ClaimedChunk.unfinishedClaims).
 * `load` may add chunks to the job (a fetched file's lines): they are inserted in
 * the claim transaction, so they commit with the claimed chunk marked done, and are
 * rolled back with it when `load` throws or the process dies.
 */
export async function claimChunk(
  pool: Pool,
  load: (chunk: ClaimedChunk, adder: ChunkAdder) => Promise<ChunkResult>,
  completion: JobCompletion,
  retryDelayMs: (chunk: ClaimedChunk, error: unknown) => number = () => 0,
): Promise<boolean> {
  let failure: { error: unknown } | undefined;
  const claimed = await withTransaction(pool, async (client) => {
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
      unfinishedClaims: (await countClaim(pool, row.job_id, row.seq)) - 1 - row.attempts,
    };
    // On the pool, not in the claim: pollers see `running` while the chunk loads.
    await pool.query(`UPDATE import_job SET state = 'running', started = now() WHERE id = $1 AND state = 'queued'`, [chunk.jobId]);
    const added = new AddedChunks(pool, client, chunk);
    await client.query('SAVEPOINT claimed_load');
    let result: ChunkResult;
    try {
      const loaded = recordsLoad(chunk) ? await loadedBefore(client, chunk) : undefined;
      result = await load(loaded === undefined ? chunk : { ...chunk, loaded }, added);
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
    if (recordsLoad(chunk)) await client.query(`DELETE FROM outbox WHERE ${LOADED_WHERE}`, [chunk.jobId, String(chunk.seq)]);
    await client.query(`UPDATE import_job_chunk SET state = 'done', body = NULL, result = $3 WHERE job_id = $1 AND seq = $2`, [
      chunk.jobId,
      chunk.seq,
      JSON.stringify(result),
    ]);
    await added.count();
    await finishIfLast(client, chunk, completion);
    return true;
  });
  if (failure !== undefined) throw failure.error;
  return claimed;
}

/** Counts one more claim of the chunk, on the pool (committed whatever becomes of the claim); returns the count. */
async function countClaim(pool: Pool, jobId: string, seq: number): Promise<number> {
  const r = await pool.query<{ claims: number }>(
    `INSERT INTO import_job_chunk_claim (job_id, seq, claims) VALUES ($1, $2, 1)
     ON CONFLICT (job_id, seq) DO UPDATE SET claims = import_job_chunk_claim.claims + 1
     RETURNING claims`,
    [jobId, seq],
  );
  return r.rows[0]?.claims ?? 1;
}

/**
 * The job row is locked before counting, so of two processes finishing a job's
 * last two chunks at once, the second sees the first's chunk done and finishes it.
 */
async function finishIfLast(client: PoolClient, chunk: ClaimedChunk, completion: JobCompletion): Promise<void> {
  const job = await client.query<{ state: ImportJobState }>('SELECT state FROM import_job WHERE id = $1 FOR UPDATE', [chunk.jobId]);
  if (job.rows[0]?.state !== 'running') return;
  const left = await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM import_job_chunk WHERE job_id = $1 AND state <> 'done'`, [chunk.jobId]);
  if ((left.rows[0]?.n ?? 1) > 0) return;
  await client.query(`UPDATE import_job SET state = 'done', finished = now() WHERE id = $1`, [chunk.jobId]);
  const message = completion(chunk, await jobResults(client, chunk.jobId));
  if (message !== undefined) await enqueue(client, message.topic, [message.payload]);
}

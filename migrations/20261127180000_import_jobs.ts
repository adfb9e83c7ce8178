import type { Knex } from 'knex';

/**
 * The asynchronous `$import` (issue #4): a job and its chunks (500 NDJSON lines, or
 * one whole Bundle), stored at intake in one transaction, so a job survives restarts
 * and any server process can run it or report on it. A worker claims a queued chunk
 * with `FOR UPDATE SKIP LOCKED` and keeps the row lock while it loads it: a chunk whose
 * lock is gone with its process is still `queued` and is claimed again.
 *
 * - `owner`: who may poll or cancel (`client:<id>` / `user:<client>:<sub>`, `anonymous`
 *   without authentication); `principal`: the submitter's grant as JSON (scopes as
 *   strings, the token's hash, never the token), to check and audit each write.
 * - chunk `body` is cleared when the chunk is done; `result` holds its per-type counts
 *   and failed lines; `attempts` counts the loads that failed on the database, so a
 *   chunk that always does is reported failed instead of being retried for ever.
 * - a manifest job (`format` manifest: NDJSON files to fetch by URL) is stored as one
 *   `fetch` chunk per file (`input`: its index, type and URL); the worker that claims
 *   one adds the file's `data` chunks (numbered from the job's `next_seq`) in the
 *   claim's transaction. `data` chunks of a fetched file keep its `input` too.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE import_job (
      id         uuid PRIMARY KEY,
      state      text        NOT NULL CHECK (state IN ('queued', 'running', 'done', 'cancelled')),
      format     text        NOT NULL CHECK (format IN ('ndjson', 'bundle', 'manifest')),
      owner      text        NOT NULL,
      principal  jsonb,
      request_id text        NOT NULL,
      chunks     integer     NOT NULL,
      next_seq   integer     NOT NULL DEFAULT 0,
      lines      integer     NOT NULL,
      submitted  timestamptz NOT NULL DEFAULT now(),
      started    timestamptz,
      finished   timestamptz
    )`);
  await knex.raw(`
    CREATE TABLE import_job_chunk (
      job_id     uuid    NOT NULL REFERENCES import_job (id) ON DELETE CASCADE,
      seq        integer NOT NULL,
      first_line integer NOT NULL,
      state      text    NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'done')),
      kind       text    NOT NULL DEFAULT 'data' CHECK (kind IN ('data', 'fetch')),
      input      jsonb,
      body       text,
      result     jsonb,
      attempts   integer NOT NULL DEFAULT 0,
      PRIMARY KEY (job_id, seq)
    )`);
  // The workers' claim walks queued chunks only.
  await knex.raw(`CREATE INDEX import_job_chunk_queued ON import_job_chunk (job_id, seq) WHERE state = 'queued'`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TABLE IF EXISTS import_job_chunk');
  await knex.raw('DROP TABLE IF EXISTS import_job');
}

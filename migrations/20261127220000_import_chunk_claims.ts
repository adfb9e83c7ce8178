import type { Knex } from 'knex';

/**
 * How often each `$import` chunk was claimed, counted outside the claim's transaction
 * (which a dying process rolls back), so that claims that never finished (the process
 * died while loading the chunk) can be told from failed attempts (`attempts`): a chunk
 * that stopped its process again and again is reported failed instead of being claimed
 * for ever (import-worker.ts). Rows go with their job.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE import_job_chunk_claim (
      job_id uuid    NOT NULL REFERENCES import_job (id) ON DELETE CASCADE,
      seq    integer NOT NULL,
      claims integer NOT NULL,
      PRIMARY KEY (job_id, seq)
    )`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TABLE IF EXISTS import_job_chunk_claim');
}

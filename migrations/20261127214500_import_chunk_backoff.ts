import type { Knex } from 'knex';

/**
 * `$import` chunks that failed for a reason that may pass (a file server answering 503
 * or 429, the network, the database) are tried again no sooner than `not_before`:
 * the server's Retry-After when it gave one, else a delay growing with each attempt
 * (import-worker.ts retryDelayMs). NULL: claimable at once.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw('ALTER TABLE import_job_chunk ADD COLUMN not_before timestamptz');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('ALTER TABLE import_job_chunk DROP COLUMN IF EXISTS not_before');
}

import type { Knex } from 'knex';

/**
 * Progress of `$reindex` jobs (issue #3): a type-level reindex back-fills the
 * search index rows of existing resources in batches, in the background; any
 * server process can report a job's progress from this table.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE search_reindex_job (
      id            uuid PRIMARY KEY,
      resource_type text        NOT NULL,
      state         text        NOT NULL,
      total         bigint      NOT NULL,
      processed     bigint      NOT NULL DEFAULT 0,
      last_sid      bigint      NOT NULL DEFAULT 0,
      started       timestamptz NOT NULL DEFAULT now(),
      updated       timestamptz NOT NULL DEFAULT now(),
      finished      timestamptz,
      error         text
    )`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TABLE IF EXISTS search_reindex_job');
}

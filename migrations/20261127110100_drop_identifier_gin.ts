import type { Knex } from 'knex';

/**
 * Conditional interactions now match through the search engine's token index
 * (sp_token covers every `identifier` parameter), so the GIN index on
 * content->'identifier' that stood in for it (first migration) only costs
 * writes and space.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX IF EXISTS resource_identifier');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(
    "CREATE INDEX IF NOT EXISTS resource_identifier ON resource USING gin ((content -> 'identifier') jsonb_path_ops) WHERE NOT deleted",
  );
}

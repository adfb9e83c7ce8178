import type { Knex } from 'knex';

/**
 * Resource bodies up to a page (8,160 bytes per row) are stored as they are, not
 * compressed. By default PostgreSQL compresses any row over about 2 kB with pglz,
 * which was the largest single PostgreSQL cost of a bulk load (about a tenth of its
 * CPU loading the Synthea sample, where 16 % of resources are over 2 kB, and both
 * tables get each body). Measured: PostgreSQL CPU per resource 144 -> 134 µs, the
 * two tables 7 % larger (87 -> 93 MB for the sample). Reads of those rows skip the
 * decompression too. Larger rows are still compressed and moved out of line.
 * https://www.postgresql.org/docs/current/sql-createtable.html#RELOPTION-TOAST-TUPLE-TARGET
 * Applies to rows written from now on.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw('ALTER TABLE resource SET (toast_tuple_target = 8160)');
  await knex.raw('ALTER TABLE resource_history SET (toast_tuple_target = 8160)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('ALTER TABLE resource RESET (toast_tuple_target)');
  await knex.raw('ALTER TABLE resource_history RESET (toast_tuple_target)');
}

import type { Knex } from 'knex';

/**
 * Reference rows join the resource table on (target_type, target_id) =
 * (resource_type, id) for chains, `_has`, `_include` and `_list`. Their first
 * migration gave them collation "C" like the other index columns, but a join
 * between columns of different collations cannot use either side's index
 * (PostgreSQL matches an index only to clauses of its own collation), which
 * turned those joins into sequential scans of `resource`. They take the
 * database default, the collation of resource.resource_type and resource.id.
 * (No LIKE is ever applied to them, so "C" bought nothing here.)
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`ALTER TABLE sp_reference
    ALTER COLUMN target_type TYPE text COLLATE "default",
    ALTER COLUMN target_id TYPE text COLLATE "default"`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`ALTER TABLE sp_reference
    ALTER COLUMN target_type TYPE text COLLATE "C",
    ALTER COLUMN target_id TYPE text COLLATE "C"`);
}

import type { Knex } from 'knex';

/**
 * Value indexes without `INCLUDE (res)`, so that PostgreSQL's B-tree
 * deduplication (13+) stores each distinct value once with a list of row
 * pointers: many rows share a value (a LOINC code, a patient reference, a
 * profile URL), and the covering column made every entry distinct. Measured on
 * the replicated Synthea sample this shrinks the token, reference and uri
 * value indexes several-fold; searches join the resource row anyway, so the
 * lost index-only scans cost little. Date indexes keep theirs (values are
 * nearly unique, so there is nothing to deduplicate).
 */
const INDEXES: readonly (readonly [string, string, string])[] = [
  ['sp_token_value', 'sp_token', 'param, code, system'],
  ['sp_string_value', 'sp_string', 'param, norm'],
  ['sp_number_value', 'sp_number', 'param, lo, hi'],
  ['sp_quantity_value', 'sp_quantity', 'param, lo, hi'],
  ['sp_reference_value', 'sp_reference', 'param, target_id, target_type'],
  ['sp_uri_value', 'sp_uri', 'param, value'],
  ['sp_composite_value', 'sp_composite', 'param, c1, s1'],
];

export async function up(knex: Knex): Promise<void> {
  for (const [name, table, columns] of INDEXES) {
    await knex.raw(`DROP INDEX IF EXISTS ${name}`);
    await knex.raw(`CREATE INDEX ${name} ON ${table} (${columns})`);
  }
}

export async function down(knex: Knex): Promise<void> {
  for (const [name, table, columns] of INDEXES) {
    await knex.raw(`DROP INDEX IF EXISTS ${name}`);
    await knex.raw(`CREATE INDEX ${name} ON ${table} (${columns}) INCLUDE (res)`);
  }
}

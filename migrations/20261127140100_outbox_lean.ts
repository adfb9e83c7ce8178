import type { Knex } from 'knex';

/**
 * Every authorized read adds an outbox row, so the outbox insert is kept cheap:
 * the payload is `json` (kept as text, not re-parsed into jsonb on insert;
 * workers parse it anyway) and the only index is the primary key, which the
 * workers' `ORDER BY id ... FOR UPDATE SKIP LOCKED` claim walks in order.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX IF EXISTS outbox_ready');
  await knex.raw('ALTER TABLE outbox ALTER COLUMN payload TYPE json USING payload::json');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('ALTER TABLE outbox ALTER COLUMN payload TYPE jsonb USING payload::jsonb');
  await knex.raw('CREATE INDEX outbox_ready ON outbox (topic, available_at, id)');
}

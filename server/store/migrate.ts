import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import knexFactory, { type Knex } from 'knex';

const MIGRATIONS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../migrations');

function migrationConfig(): Knex.MigratorConfig {
  return { directory: MIGRATIONS_DIR, loadExtensions: ['.ts'], tableName: 'knex_migrations' };
}

async function withKnex<T>(connectionString: string, fn: (knex: Knex) => Promise<T>): Promise<T> {
  const knex = knexFactory({ client: 'pg', connection: connectionString, pool: { min: 0, max: 1 } });
  try {
    return await fn(knex);
  } finally {
    await knex.destroy();
  }
}

/** Applies every pending migration (knex keeps a lock table, so concurrent starts are safe). */
export async function migrateLatest(connectionString: string): Promise<string[]> {
  return withKnex(connectionString, async (knex) => {
    const [, applied] = (await knex.migrate.latest(migrationConfig())) as [number, string[]];
    return applied;
  });
}

/** The migrations present on disk that the database has not applied yet. */
export async function pendingMigrations(connectionString: string): Promise<string[]> {
  return withKnex(connectionString, async (knex) => {
    const [, pending] = (await knex.migrate.list(migrationConfig())) as [unknown[], { file: string }[]];
    return pending.map((p) => p.file);
  });
}

/**
 * Readiness check: every migration file on disk is recorded as applied. Reads
 * the directory once; the query runs on the shared pool.
 */
export function migrationsCurrentCheck(pool: { query: (sql: string) => Promise<{ rows: { name: string }[] }> }): () => Promise<void> {
  const expected = readdirSync(MIGRATIONS_DIR).filter((f) => f.endsWith('.ts'));
  return async function migrationsCurrent() {
    const r = await pool.query('SELECT name FROM knex_migrations');
    const applied = new Set(r.rows.map((row) => row.name));
    const missing = expected.filter((f) => !applied.has(f));
    if (missing.length > 0) throw new Error(`migrations pending: ${missing.join(', ')}`);
  };
}

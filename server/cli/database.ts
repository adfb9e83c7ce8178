import type { Config } from '../config/schema.js';
import { startEmbeddedDatabase, type EmbeddedDatabase } from '../store/embedded.js';
import { migrateLatest } from '../store/migrate.js';

/**
 * The database a CLI command works on: DATABASE_URL, else the same embedded
 * cluster `npm start` uses (so stop the server first when it runs embedded).
 * Migrations are applied first.
 */
export async function openDatabase(config: Config): Promise<{ url: string; close: () => Promise<void> }> {
  let embedded: EmbeddedDatabase | undefined;
  let url = config.databaseUrl;
  if (url === null) {
    embedded = await startEmbeddedDatabase({ dataDir: config.dataDir, port: config.embeddedPgPort, database: 'fhir', persistent: true });
    url = embedded.connectionString;
  }
  await migrateLatest(url);
  return { url, close: async () => embedded?.stop() };
}

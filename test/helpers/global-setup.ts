import { mkdtempSync, rmSync } from 'node:fs';
import path from 'node:path';
import { startEmbeddedDatabase, type EmbeddedDatabase } from '../../server/store/embedded.js';
import { migrateLatest } from '../../server/store/migrate.js';
import { freePort } from '../../server/net/free-port.js';

/**
 * Mocha global fixture: one PostgreSQL for the whole run. `DATABASE_URL` wins;
 * otherwise a throw-away embedded cluster (no fsync, deleted afterwards) on a
 * free port. Tests read the URL from TEST_DATABASE_URL.
 */
let embedded: EmbeddedDatabase | undefined;
/** The cluster's directory: the cluster goes with stop(), but its password file stays behind unless removed. */
let dataDir: string | undefined;


export async function mochaGlobalSetup(): Promise<void> {
  let url = process.env['DATABASE_URL'];
  if (url === undefined || url === '') {
    const dir = mkdtempSync(path.join(process.cwd(), '.test-data-'));
    dataDir = dir;
    embedded = await startEmbeddedDatabase({ dataDir: dir, port: await freePort(), database: 'fhir_test', persistent: false });
    url = embedded.connectionString;
  }
  await migrateLatest(url);
  process.env['TEST_DATABASE_URL'] = url;
}

export async function mochaGlobalTeardown(): Promise<void> {
  await embedded?.stop();
  if (dataDir !== undefined) rmSync(dataDir, { recursive: true, force: true });
}

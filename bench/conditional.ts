// Conditional-create benchmark (issue #4): transaction Bundles of N Patients that each
// create only if no Patient has their identifier (`ifNoneExist`), the shape of EHR and
// HIE exports that are loaded again and again. Each round posts one such Bundle of new
// identifiers, then the same Bundle again (every entry finds its resource), and, as the
// baseline in the same run, the same N Patients as plain creates (no criteria: the
// server's fastest path); then the N Patients once more as conditional updates
// (`PUT Patient?identifier=…`, the upsert of a feed that sends whole records again),
// in a transaction and in a batch.
// Prints the times and the ratios conditional / plain.
// The server runs as its own process on a durable embedded PostgreSQL.
//
//   npm run bench -- conditional [--entries 1000] [--rounds 3]
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../server/net/free-port.js';
import { startEmbeddedDatabase } from '../server/store/embedded.js';
import { migrateLatest } from '../server/store/migrate.js';
import { child, waitFor } from './support.js';

const args = process.argv.slice(3);
const option = (name: string, fallback: number): number => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1] ?? fallback) : fallback;
};
const entries = option('entries', 1000);
const rounds = option('rounds', 3);
const system = `urn:bench:${randomUUID()}`;

type Mode = 'plain' | 'conditional' | 'update';

/** A Bundle of N Patients as `mode` entries; a feed sends its upserts as a transaction or as a batch. */
function transaction(values: readonly string[], mode: Mode, type: 'transaction' | 'batch' = 'transaction'): string {
  const request = (v: string): Record<string, string> => {
    if (mode === 'update') return { method: 'PUT', url: `Patient?identifier=${system}|${v}` };
    return { method: 'POST', url: 'Patient', ...(mode === 'conditional' ? { ifNoneExist: `identifier=${system}|${v}` } : {}) };
  };
  return JSON.stringify({
    resourceType: 'Bundle',
    type,
    entry: values.map((v) => ({
      fullUrl: `urn:uuid:${randomUUID()}`,
      resource: { resourceType: 'Patient', identifier: [{ system, value: v }], name: [{ family: 'Bench', given: [v.slice(0, 8)] }], gender: 'female', birthDate: '1970-01-01' },
      request: request(v),
    })),
  });
}

/** Milliseconds to post one Bundle and read its (minimal) answer. */
async function post(base: string, body: string): Promise<number> {
  const started = performance.now();
  const r = await fetch(base, { method: 'POST', body, headers: { 'content-type': 'application/fhir+json', prefer: 'return=minimal' } });
  const text = await r.text();
  if (r.status !== 200) throw new Error(`${String(r.status)} ${text.slice(0, 300)}`);
  return performance.now() - started;
}

const fresh = (): string[] => Array.from({ length: entries }, () => randomUUID());
const dataDir = mkdtempSync(path.join(os.tmpdir(), 'bench-conditional-'));
const db = await startEmbeddedDatabase({ dataDir, port: await freePort(), database: 'bench', persistent: false, durable: true });
const port = await freePort();
const server = child('server/main.ts', [], { DATABASE_URL: db.connectionString, PORT: String(port), LOG_LEVEL: 'warn', AUTH_MODE: 'none' });
server.stdout?.resume(); // its log lines are not needed; an unread pipe would stall it once full
try {
  await migrateLatest(db.connectionString);
  await waitFor(`http://127.0.0.1:${String(port)}/readyz`);
  const base = `http://127.0.0.1:${String(port)}/fhir`;
  // Warm-up: the server's hot paths compiled before anything is timed.
  const warm = fresh();
  for (const mode of ['conditional', 'update'] as const) await post(base, transaction(warm, mode));
  await post(base, transaction(fresh(), 'plain'));
  for (let round = 1; round <= rounds; round += 1) {
    const values = fresh();
    const created = await post(base, transaction(values, 'conditional'));
    const again = await post(base, transaction(values, 'conditional'));
    const updated = await post(base, transaction(values, 'update'));
    const updatedInBatch = await post(base, transaction(values, 'update', 'batch'));
    const plain = await post(base, transaction(fresh(), 'plain'));
    process.stdout.write(
      `round ${String(round)}: ${String(entries)} conditional creates in one transaction: new ${created.toFixed(0)} ms, again (all found) ${again.toFixed(0)} ms; ` +
        `as conditional updates ${updated.toFixed(0)} ms (in a batch ${updatedInBatch.toFixed(0)} ms); as plain creates ${plain.toFixed(0)} ms; ` +
        `ratio plain / conditional: new ${(plain / created).toFixed(2)}, again ${(plain / again).toFixed(2)}, update ${(plain / updated).toFixed(2)}\n`,
    );
  }
} finally {
  server.kill('SIGTERM');
  await new Promise((r) => setTimeout(r, 500));
  await db.stop();
  rmSync(dataDir, { recursive: true, force: true });
}

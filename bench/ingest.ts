// Ingest benchmark (issue #4): the shared Synthea sample through the HTTP API as
// transaction Bundles (the two information batches first, then the patient
// transactions, --concurrency at a time, default 4) into an empty database: once on
// the freshly started server, and once more, after the database is emptied, on the
// same server now warmed up. Then, in the same run and on the same database, a raw
// baseline: the same resources' JSON inserted into a plain table with 500-row INSERTs
// from this process, on one connection (the baseline the issue quotes) and on
// --concurrency connections (and a variant that also writes 8 index rows per
// resource), and the patient resources once more straight through the repository
// in-process (bench/ingest-direct.ts: the write path without the Bundle layer).
// Prints resources/s, the ratio to the baselines and the server's peak RSS, also while
// the largest bundle is posted four times at once. Writes bench/results/ingest.json.
//
//   npm run bench -- ingest [--concurrency 4] [--dir ../shared/data/synthea]
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { startEmbeddedDatabase } from '../server/store/embedded.js';
import { directRepositoryRate } from './ingest-direct.js';
import { migrateLatest } from '../server/store/migrate.js';
import { pendingJobs } from '../server/store/outbox.js';
import { CONTENT_TOPIC } from '../server/store/search/content-index.js';
import { freePort } from '../server/net/free-port.js';
import { sharedDataDir } from '../test/helpers/shared-data.js';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const args = process.argv.slice(3);
const option = (name: string, fallback: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? (args[i + 1] ?? fallback) : fallback;
};
const concurrency = Number(option('concurrency', '4'));
const dir = path.resolve(option('dir', sharedDataDir('synthea')));


interface SampleFile {
  readonly name: string;
  readonly text: string;
  readonly resources: { resourceType: string; json: string }[];
}

function loadSample(): { info: SampleFile[]; patients: SampleFile[] } {
  const files = readdirSync(dir).filter((f) => f.endsWith('.json')).sort();
  const read = (name: string): SampleFile => {
    const text = readFileSync(path.join(dir, name), 'utf8');
    const entries = (JSON.parse(text) as { entry: { resource: { resourceType: string } }[] }).entry;
    return { name, text, resources: entries.map((e) => ({ resourceType: e.resource.resourceType, json: JSON.stringify(e.resource) })) };
  };
  const all = files.map(read);
  const isInfo = (f: SampleFile): boolean => f.name.startsWith('0-') && f.name.includes('Information');
  return { info: all.filter(isInfo), patients: all.filter((f) => !isInfo(f)) };
}

async function waitFor(url: string): Promise<void> {
  for (let i = 0; i < 600; i += 1) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} never became ready`);
}

/** VmHWM (peak) or VmRSS (now) of a process, in MB. */
function rssMb(pid: number | undefined, field: 'VmHWM' | 'VmRSS' = 'VmHWM'): number {
  const status = readFileSync(`/proc/${String(pid)}/status`, 'utf8');
  return Math.round(Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0) / 1024);
}

async function postBundle(base: string, f: SampleFile): Promise<void> {
  const r = await fetch(base, { method: 'POST', body: f.text, headers: { 'content-type': 'application/fhir+json', prefer: 'return=minimal' } });
  const text = await r.text();
  if (r.status !== 200) throw new Error(`${f.name}: ${r.status} ${text.slice(0, 300)}`);
  const failed = (JSON.parse(text) as { entry: { response: { status: string } }[] }).entry.filter((e) => !e.response.status.startsWith('2'));
  if (failed.length > 0) throw new Error(`${f.name}: ${failed.length} entries failed`);
}

/** Seconds until no resource waits for its _content rows (store/search/content-index.ts). */
async function contentCatchUp(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const started = performance.now();
  try {
    for (;;) {
      if ((await pendingJobs(client, CONTENT_TOPIC)) === 0) return (performance.now() - started) / 1000;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } finally {
    await client.end();
  }
}

async function inParallel<T>(items: readonly T[], n: number, fn: (item: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  await Promise.all(Array.from({ length: n }, async () => {
    for (let item = queue.shift(); item !== undefined; item = queue.shift()) await fn(item);
  }));
}

interface PassResult {
  readonly resources: number;
  readonly seconds: number;
  readonly infoSeconds: number;
  readonly infoResources: number;
  readonly rate: number;
}

/** One load of the sample: the information batches in turn, then the patient transactions `concurrency` at a time. */
async function ingestPass(base: string, s: { info: SampleFile[]; patients: SampleFile[] }): Promise<PassResult> {
  const count = (files: readonly SampleFile[]): number => files.reduce((n, f) => n + f.resources.length, 0);
  const started = performance.now();
  for (const f of s.info) await postBundle(base, f);
  const infoSeconds = (performance.now() - started) / 1000;
  await inParallel(s.patients, concurrency, (f) => postBundle(base, f));
  const seconds = (performance.now() - started) / 1000;
  const resources = count(s.info) + count(s.patients);
  return { resources, seconds, infoSeconds, infoResources: count(s.info), rate: resources / seconds };
}

function describe(r: PassResult): string {
  return `${r.resources} resources in ${r.seconds.toFixed(1)} s = ${r.rate.toFixed(0)} resources/s (concurrency ${concurrency}; the ${r.infoResources} entries of the information batches took ${r.infoSeconds.toFixed(1)} s)`;
}

/**
 * Removes every resource, version, index row and background job, as in a new
 * database, once the background _content jobs are done; a CHECKPOINT follows, as
 * after migrating a new one.
 */
async function emptyDatabase(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const r = await client.query<{ t: string }>(
      String.raw`SELECT tablename AS t FROM pg_tables WHERE schemaname = 'public' AND (tablename LIKE 'sp\_%' OR tablename IN ('resource', 'resource_history', 'outbox'))`,
    );
    await client.query(`TRUNCATE ${r.rows.map((row) => row.t).join(', ')}`);
    await client.query('CHECKPOINT');
  } finally {
    await client.end();
  }
}

/**
 * The raw baseline: multi-row INSERTs of the same JSON, `indexRows` extra rows per
 * resource, `connections` statements at a time. One connection is the method of
 * shared/research/baselines.md (b) that the "about 16,000 resources/s" refers to.
 */
async function rawBaseline(url: string, files: readonly SampleFile[], indexRows: number, connections: number, run = 0): Promise<number> {
  const pool = new pg.Pool({ connectionString: url, max: connections });
  const table = `raw_ingest_${indexRows}_${connections}_${run}`;
  await pool.query(`CREATE TABLE ${table} (resource_type text NOT NULL, id uuid NOT NULL, content jsonb NOT NULL, PRIMARY KEY (resource_type, id))`);
  await pool.query(`CREATE TABLE ${table}_index (resource_id uuid NOT NULL, name text NOT NULL, value text NOT NULL)`);
  await pool.query(`CREATE INDEX ON ${table}_index (name, value)`);
  const rows = files.flatMap((f) => f.resources);
  const chunks: (typeof rows)[] = [];
  for (let i = 0; i < rows.length; i += 500) chunks.push(rows.slice(i, i + 500));
  const started = performance.now();
  await inParallel(chunks, connections, async (chunk) => {
    const ids = chunk.map(() => randomUUID());
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      const values = chunk.map((_, i) => `($${i * 3 + 1}, $${i * 3 + 2}, $${i * 3 + 3})`).join(',');
      await client.query(`INSERT INTO ${table} (resource_type, id, content) VALUES ${values}`, chunk.flatMap((r, i) => [r.resourceType, ids[i], r.json]));
      if (indexRows > 0) {
        const rid = ids.flatMap((id) => Array.from({ length: indexRows }, () => id));
        const names = rid.map((_, i) => `p${i % indexRows}`);
        await client.query(`INSERT INTO ${table}_index (resource_id, name, value) SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[])`, [rid, names, rid]);
      }
      await client.query('COMMIT');
    } finally {
      client.release();
    }
  });
  const seconds = (performance.now() - started) / 1000;
  await pool.end();
  return rows.length / seconds;
}

const sample = loadSample();
const all = [...sample.info, ...sample.patients];
const resources = all.reduce((n, f) => n + f.resources.length, 0);
const largest = [...sample.patients].sort((a, b) => b.text.length - a.text.length)[0];
const dataDir = mkdtempSync(path.join(os.tmpdir(), 'bench-ingest-'));
const db = await startEmbeddedDatabase({ dataDir, port: await freePort(), database: 'bench', persistent: false, durable: true });
const PORT = await freePort();
let server: ChildProcess | undefined;
try {
  await migrateLatest(db.connectionString);
  server = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
    cwd: root,
    env: { ...process.env, DATABASE_URL: db.connectionString, PORT: String(PORT), LOG_LEVEL: 'warn', AUTH_MODE: 'none', DB_POOL_SIZE: String(concurrency + 4) },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const base = `http://127.0.0.1:${PORT}/fhir`;
  const exited = new Promise<never>((_, reject) => server?.once('exit', (code) => reject(new Error(`the server exited (${String(code)})`))));
  exited.catch(() => undefined); // after start-up, a stopped server shows as failed requests
  await Promise.race([waitFor(`http://127.0.0.1:${PORT}/readyz`), exited]);

  await fetch(`${base}/metadata`);
  const idleRss = rssMb(server.pid, 'VmRSS');
  const cold = await ingestPass(base, sample);
  process.stdout.write(`ingest over HTTP, fresh server: ${describe(cold)}\n`);
  const ingestRate = cold.rate;
  const rssAfterIngest = rssMb(server.pid);
  // _content rows are written in the background (SEARCH_CONTENT_DEFERRED): how long after
  // the last Bundle until every resource has them.
  const contentSeconds = await contentCatchUp(db.connectionString);
  process.stdout.write(`_content rows (written in the background) complete ${contentSeconds.toFixed(1)} s after the last Bundle\n`);

  let largestRss = rssAfterIngest;
  if (largest !== undefined) {
    await Promise.all([1, 2, 3, 4].map(() => postBundle(base, largest)));
    largestRss = rssMb(server.pid);
    process.stdout.write(`largest bundle (${(largest.text.length / 1e6).toFixed(1)} MB, ${largest.resources.length} entries) x4 at once: server peak RSS ${largestRss} MB (idle after start: ${idleRss} MB)\n`);
  }

  // The same load again into an emptied database, now that the server's code is
  // compiled: what a server that has been running gets (the fresh-server pass spends a
  // fifth of its CPU compiling the hot paths; a region's millions of resources would not).
  await contentCatchUp(db.connectionString);
  await emptyDatabase(db.connectionString);
  const warm = await ingestPass(base, sample);
  process.stdout.write(`ingest over HTTP, warmed-up server, emptied database: ${describe(warm)}\n`);

  const direct = await directRepositoryRate(db.connectionString, sample.patients, concurrency);
  process.stdout.write(`same patient resources straight through the repository (no HTTP, no Bundle processing): ${direct.toFixed(0)} resources/s; HTTP Bundles / direct: ${(ingestRate / direct).toFixed(3)}\n`);
  // The ratio's denominator: the median of three runs, as one run of about a second
  // varies by a tenth on this shared machine.
  const raw1Runs: number[] = [];
  for (let run = 0; run < 3; run += 1) raw1Runs.push(await rawBaseline(db.connectionString, all, 0, 1, run));
  const raw1 = [...raw1Runs].sort((a, b) => a - b)[1] ?? 0;
  const raw = await rawBaseline(db.connectionString, all, 0, concurrency);
  const raw8 = await rawBaseline(db.connectionString, all, 8, concurrency);
  process.stdout.write(`raw baseline (500-row INSERTs): one connection ${raw1.toFixed(0)} resources/s (median of ${raw1Runs.map((r) => r.toFixed(0)).join(', ')}); ${concurrency} connections ${raw.toFixed(0)} resources/s, with 8 index rows each ${raw8.toFixed(0)} resources/s\n`);
  const ratio1 = ingestRate / raw1;
  const ratio = ingestRate / raw;
  const ratio8 = ingestRate / raw8;
  process.stdout.write(`ratio server / raw, fresh server: one connection ${ratio1.toFixed(3)}; ${concurrency} connections ${ratio.toFixed(3)}, with 8 index rows ${ratio8.toFixed(3)}\n`);
  const warmRatio1 = warm.rate / raw1;
  process.stdout.write(`ratio server / raw, warmed-up server: one connection ${warmRatio1.toFixed(3)}; ${concurrency} connections ${(warm.rate / raw).toFixed(3)}, with 8 index rows ${(warm.rate / raw8).toFixed(3)}\n`);
  const summary = {
    date: new Date().toISOString(),
    concurrency,
    resources,
    files: all.length,
    ingestSeconds: Number(cold.seconds.toFixed(2)),
    ingestResourcesPerSecond: Math.round(ingestRate),
    informationBatchSeconds: Number(cold.infoSeconds.toFixed(2)),
    warmIngestSeconds: Number(warm.seconds.toFixed(2)),
    warmIngestResourcesPerSecond: Math.round(warm.rate),
    warmInformationBatchSeconds: Number(warm.infoSeconds.toFixed(2)),
    contentIndexCatchUpSeconds: Number(contentSeconds.toFixed(2)),
    directRepositoryResourcesPerSecond: Math.round(direct),
    ratioToDirectRepository: Number((ingestRate / direct).toFixed(3)),
    rawOneConnectionResourcesPerSecond: Math.round(raw1),
    rawOneConnectionRuns: raw1Runs.map((r) => Math.round(r)),
    rawResourcesPerSecond: Math.round(raw),
    raw8IndexRowsResourcesPerSecond: Math.round(raw8),
    ratioToRawOneConnection: Number(ratio1.toFixed(3)),
    warmRatioToRawOneConnection: Number(warmRatio1.toFixed(3)),
    ratioToRaw: Number(ratio.toFixed(3)),
    ratioToRaw8: Number(ratio8.toFixed(3)),
    serverRssMbIdle: idleRss,
    serverPeakRssMbAfterIngest: rssAfterIngest,
    serverPeakRssMbLargestX4: largestRss,
    cpus: os.cpus().length,
  };
  writeFileSync(path.join(root, 'bench/results/ingest.json'), `${JSON.stringify(summary, null, 2)}\n`);
} finally {
  server?.kill('SIGTERM');
  await new Promise((r) => setTimeout(r, 1000));
  await db.stop();
  rmSync(dataDir, { recursive: true, force: true });
}

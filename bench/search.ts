// Search benchmark (issue #3): a database of ≥ 1,000,000 resources (the shared
// Synthea sample replicated with fresh ids, shifted identifiers and dates), then
// the practice queries of search-queries.ts over HTTP against the real server:
// p50 / p95 per query and its ratio to a primary-key read measured in the same
// run, whether EXPLAIN shows a sequential scan of a resource or index table,
// the database's bytes on disk per resource against the raw JSON, and the
// server's peak RSS. Writes bench/results/search.json.
//
//   npm run bench -- search [--copies 39] [--iterations 30] [--reuse]
// --reuse keeps the database in .data/bench-search and skips the build when it
// is already loaded (the build takes several minutes).
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createPool } from '../server/store/db.js';
import { startEmbeddedDatabase } from '../server/store/embedded.js';
import { migrateLatest } from '../server/store/migrate.js';
import { readSample, replicate } from './search-data.js';
import { bulkLoad } from './search-load.js';
import { pick, QUERIES, type PracticeQuery, type Picks } from './search-queries.js';
import { sharedDataDir } from '../test/helpers/shared-data.js';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const args = process.argv.slice(3);
const option = (name: string, fallback: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? (args[i + 1] ?? fallback) : fallback;
};
const copies = Number(option('copies', '39'));
const iterations = Number(option('iterations', '30'));
const reuse = args.includes('--reuse');
const PORT = 18095;
const base = `http://127.0.0.1:${PORT}/fhir`;
const SEQ_SCAN = /Seq Scan on (resource|resource_history|sp_\w+)\b/;

function percentile(xs: readonly number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] ?? 0;
}

async function timed(url: string): Promise<number> {
  const t0 = performance.now();
  const r = await fetch(url, { headers: { accept: 'application/fhir+json' } });
  await r.text();
  if (r.status !== 200) throw new Error(`${url} → ${r.status}`);
  return performance.now() - t0;
}

async function nextLink(url: string): Promise<string | undefined> {
  const r = await fetch(url);
  const body = (await r.json()) as { link?: { relation: string; url: string }[] };
  return body.link?.find((l) => l.relation === 'next')?.url;
}

async function urlsOf(q: PracticeQuery, picks: Picks): Promise<string[]> {
  if (q.deepPages === undefined) return Array.from({ length: iterations }, (_v, i) => `${base}/${q.url(picks, i)}`);
  let url = `${base}/${q.url(picks, 0)}`;
  for (let i = 0; i < q.deepPages; i += 1) {
    const next = await nextLink(url);
    if (next === undefined) throw new Error(`only ${i + 1} pages of ${q.name}: load more copies`);
    url = next;
  }
  return [url];
}

async function seqScans(url: string): Promise<string[]> {
  const r = await fetch(`${url}${url.includes('?') ? '&' : '?'}_explain=true`);
  const body = (await r.json()) as { issue?: { diagnostics?: string }[] };
  return (body.issue ?? []).flatMap((i) => SEQ_SCAN.exec(i.diagnostics ?? '')?.[0] ?? []);
}

const dataDir = reuse ? path.join(root, '.data', 'bench-search') : mkdtempSync(path.join(os.tmpdir(), 'bench-search-'));
mkdirSync(dataDir, { recursive: true });
const db = await startEmbeddedDatabase({ dataDir, port: 54395, database: 'bench', persistent: reuse, durable: false });
const pool = createPool(db.connectionString, 4);
try {
  await migrateLatest(db.connectionString);
  await pool.query('CREATE TABLE IF NOT EXISTS bench_meta (resources bigint NOT NULL, raw_bytes bigint NOT NULL)');
  const have = (await pool.query<{ n: number }>('SELECT coalesce(sum(resources), 0)::int8 AS n FROM bench_meta')).rows[0]?.n ?? 0;
  const sample = readSample(sharedDataDir('synthea'));
  const t0 = Date.now();
  for (let k = Math.round(have / 25_910); k < copies; k += 1) {
    const rs = replicate(sample, k);
    const bytes = await bulkLoad(pool, rs, base);
    await pool.query('INSERT INTO bench_meta VALUES ($1, $2)', [rs.length, bytes]);
    process.stdout.write(`copy ${k + 1}/${copies} loaded (${((Date.now() - t0) / 1000).toFixed(0)} s)\n`);
  }
  if (Date.now() - t0 > 1000) await pool.query('VACUUM ANALYZE');
  const meta = (await pool.query<{ n: number; raw: number }>('SELECT sum(resources)::int8 AS n, sum(raw_bytes)::int8 AS raw FROM bench_meta')).rows[0];
  const resources = meta?.n ?? 0;
  const size = await pool.query<{ bytes: number }>(
    `SELECT sum(pg_total_relation_size(c.oid))::int8 AS bytes FROM pg_class c
      WHERE c.relkind = 'r' AND (c.relname IN ('resource', 'resource_history') OR c.relname LIKE 'sp\\_%')`,
  );
  const bytesPerResource = (size.rows[0]?.bytes ?? 0) / resources;
  const rawPerResource = (meta?.raw ?? 0) / resources;
  const picks = await pick(pool, iterations);

  const server = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
    cwd: root,
    env: { ...process.env, DATABASE_URL: db.connectionString, PORT: String(PORT), LOG_LEVEL: 'warn', AUTH_MODE: 'none', SEARCH_EXPLAIN: 'true', DB_POOL_SIZE: '4' },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  try {
    for (let i = 0; i < 300 && !(await fetch(`http://127.0.0.1:${PORT}/readyz`).then((r) => r.ok).catch(() => false)); i += 1) {
      await new Promise((r) => setTimeout(r, 100));
    }
    const readUrls = picks.patients.map((p) => `${base}/Patient/${p.id}`);
    for (const u of readUrls) await timed(u); // warm-up
    const baseline = [];
    for (let i = 0; i < iterations; i += 1) baseline.push(await timed(readUrls[i % readUrls.length] ?? ''));
    const baseP50 = percentile(baseline, 50);
    const results = [];
    for (const q of QUERIES) {
      const urls = await urlsOf(q, picks);
      for (const u of urls.slice(0, 3)) await timed(u); // warm-up
      const times = [];
      for (let i = 0; i < iterations; i += 1) times.push(await timed(urls[i % urls.length] ?? ''));
      const p50 = percentile(times, 50);
      const p95 = percentile(times, 95);
      const target = q.kind === 'simple' ? 25 : 60;
      const scans = await seqScans(urls[0] ?? '');
      results.push({ name: q.name, kind: q.kind, p50, p95, target, ratioToRead: p50 / baseP50, seqScans: [...new Set(scans)] });
      process.stdout.write(
        `${q.name.padEnd(62)} p50 ${p50.toFixed(1).padStart(6)} ms  p95 ${p95.toFixed(1).padStart(6)} ms ${p95 <= target ? 'ok ' : 'SLOW'} (≤${target})  ×read ${(p50 / baseP50).toFixed(1).padStart(5)}  ${scans.length === 0 ? 'no seq scan' : `SEQ SCAN: ${[...new Set(scans)].join(', ')}`}\n`,
      );
    }
    const status = readFileSync(`/proc/${String(server.pid)}/status`, 'utf8');
    const rssMb = Math.round(Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024);
    const load = os.loadavg().map((l) => Math.round(l * 100) / 100);
    const summary = {
      date: new Date().toISOString(),
      // The machine is shared: a load above its 2 cores inflates every latency.
      loadAverage: load,
      resources,
      iterations,
      baselineReadP50Ms: baseP50,
      bytesPerResource: Math.round(bytesPerResource),
      rawJsonBytesPerResource: Math.round(rawPerResource),
      diskRatio: Math.round((bytesPerResource / rawPerResource) * 100) / 100,
      serverPeakRssMb: rssMb,
      queries: results,
    };
    process.stdout.write(
      `\n${resources} resources; baseline read p50 ${baseP50.toFixed(1)} ms\n` +
        `disk: ${summary.bytesPerResource} B/resource vs ${summary.rawJsonBytesPerResource} B raw JSON = ${summary.diskRatio}× (target ≤ 5×)\n` +
        `server peak RSS: ${rssMb} MB (target ≤ 400 MB)\n` +
        `load average (1/5/15 min) at the end: ${load.join(' / ')} on ${os.cpus().length} cores\n`,
    );
    writeFileSync(path.join(root, 'bench/results/search.json'), `${JSON.stringify(summary, null, 2)}\n`);
  } finally {
    server.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 1000));
  }
} finally {
  await pool.end();
  await db.stop();
  if (!reuse && existsSync(dataDir)) rmSync(dataDir, { recursive: true, force: true });
}

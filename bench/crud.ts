// CRUD benchmark (issue #2): creates/s and reads/s of the server, sequential and
// with 32 clients, against a bare Koa + one-statement baseline on the same
// database in the same run, plus the server's peak RSS. Prints a table and writes
// bench/results/crud.json.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startEmbeddedDatabase } from '../server/store/embedded.js';
import { migrateLatest } from '../server/store/migrate.js';
import { freePort } from '../server/net/free-port.js';
import { ROOT, child, load, waitFor, type Load } from './support.js';

const args = process.argv.slice(3);
const duration = Number(args[args.indexOf('--duration') + 1] ?? 10) || 10;





const PATIENT = JSON.stringify({
  resourceType: 'Patient',
  identifier: [{ system: 'http://hospital.example.org/mrn', value: '12345' }],
  name: [{ family: 'Chalmers', given: ['Peter', 'James'] }],
  telecom: [{ system: 'phone', value: '(03) 5555 6473', use: 'work' }],
  gender: 'male',
  birthDate: '1974-12-25',
  address: [{ line: ['534 Erewhon St'], city: 'PleasantVille', postalCode: '3999' }],
});

async function seed(base: string, n: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i += 8) {
    const batch = await Promise.all(
      Array.from({ length: 8 }, async () => {
        const r = await fetch(`${base}/Patient`, { method: 'POST', body: PATIENT, headers: { 'content-type': 'application/fhir+json' } });
        return ((await r.json()) as { id: string }).id;
      }),
    );
    ids.push(...batch);
  }
  return ids;
}

function peakRssMb(pid: number | undefined): number {
  const status = readFileSync(`/proc/${String(pid)}/status`, 'utf8');
  const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return Math.round(kb / 1024);
}

const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-crud-'));
const db = await startEmbeddedDatabase({ dataDir: dir, port: await freePort(), database: 'bench', persistent: false, durable: true });
try {
  await migrateLatest(db.connectionString);
  const [serverPort, baselinePort] = [await freePort(), await freePort()];
  const server = child('server/main.ts', [], {
    DATABASE_URL: db.connectionString,
    PORT: String(serverPort),
    LOG_LEVEL: 'warn',
    AUTH_MODE: 'none',
  });
  const baseline = child('bench/baseline-server.ts', [db.connectionString, String(baselinePort)]);
  await waitFor(`http://127.0.0.1:${serverPort}/readyz`);
  await new Promise<void>((resolve) => baseline.stdout?.once('data', () => resolve()));
  const targets = { server: `http://127.0.0.1:${serverPort}/fhir`, baseline: `http://127.0.0.1:${baselinePort}/base` };
  const ids = { server: await seed(targets.server, 2000), baseline: await seed(targets.baseline, 2000) };
  const results: Record<string, Load> = {};
  for (const connections of [1, 32]) {
    for (const op of ['create', 'read'] as const) {
      for (const who of ['server', 'baseline'] as const) {
        const spec =
          op === 'create'
            ? { url: `${targets[who]}/Patient`, method: 'POST', body: PATIENT, connections, duration }
            : { url: targets[who], method: 'GET', paths: ids[who].map((id) => `${new URL(targets[who]).pathname}/Patient/${id}`), connections, duration };
        const r = await load(spec);
        results[`${op}-c${connections}-${who}`] = r;
        process.stdout.write(`${op} c=${connections} ${who}: ${r.rps.toFixed(0)} req/s p50 ${r.p50} ms p99 ${r.p99} ms non2xx ${r.non2xx}\n`);
      }
    }
  }
  const rss = peakRssMb(server.pid);
  const ratio = (op: string, c: number): number => {
    const s = results[`${op}-c${c}-server`]?.rps ?? 0;
    const b = results[`${op}-c${c}-baseline`]?.rps ?? 1;
    return Math.round((s / b) * 1000) / 1000;
  };
  const summary = {
    date: new Date().toISOString(),
    durationSeconds: duration,
    results,
    ratios: { createSeq: ratio('create', 1), create32: ratio('create', 32), readSeq: ratio('read', 1), read32: ratio('read', 32) },
    serverPeakRssMb: rss,
  };
  process.stdout.write(`\nratios (server / baseline): ${JSON.stringify(summary.ratios)}\nserver peak RSS: ${rss} MB\n`);
  writeFileSync(path.join(ROOT, 'bench/results/crud.json'), `${JSON.stringify(summary, null, 2)}\n`);
  server.kill('SIGTERM');
  baseline.kill('SIGTERM');
  await new Promise((r) => setTimeout(r, 1000));
} finally {
  await db.stop();
  rmSync(dir, { recursive: true, force: true });
}

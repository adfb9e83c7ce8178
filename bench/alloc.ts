// Where a bulk load allocates: `npm run bench -- alloc [--files 20]`. Loads the Synthea
// information batches and a few patient Bundles to warm up, then samples every
// allocation (V8's sampling heap profiler, collected objects included) while
// `--files` patient Bundles go through the Bundle processor in-process, and prints
// kilobytes allocated per resource, the functions that allocate most (themselves, and
// with what they call), and, as the baseline measured in the same run, what
// JSON.parse of the same files allocates: the floor for touching the data at all.
// Allocation is a third of a load's CPU once garbage collection is counted, so this
// is the figure to watch when trimming the write path. Results: bench/results/alloc.json.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../server/config/load.js';
import { BundleProcessor } from '../server/fhir/bundle/bundle-processor.js';
import { createFhirServices } from '../server/fhir/services.js';
import { createValidator } from '../server/fhir/validation/index.js';
import { freePort } from '../server/net/free-port.js';
import { createPool } from '../server/store/db.js';
import { startEmbeddedDatabase } from '../server/store/embedded.js';
import { migrateLatest } from '../server/store/migrate.js';
import { ResourceStore } from '../server/store/resource-store.js';
import { ROOT } from './support.js';

interface ProfileNode {
  readonly callFrame: { readonly functionName: string; readonly url: string };
  readonly selfSize: number;
  readonly children: readonly ProfileNode[];
}

const args = process.argv.slice(3);
const at = args.indexOf('--files');
const sampled = at >= 0 ? Number(args[at + 1]) : 20;
const WARM_UP = 3;

/** Bytes allocated while `fn` runs, with the profile's tree. */
async function sampling(session: Session, fn: () => Promise<void>): Promise<ProfileNode> {
  // The two include flags keep samples of objects already collected: without them only survivors count.
  await session.post('HeapProfiler.startSampling', { samplingInterval: 4096, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true } as never);
  await fn();
  const { profile } = (await session.post('HeapProfiler.stopSampling')) as { profile: { head: ProfileNode } };
  return profile.head;
}

/** Self and inclusive bytes per function (`name file`), and the total. */
function tally(head: ProfileNode): { total: number; self: Map<string, number>; inclusive: Map<string, number> } {
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const walk = (node: ProfileNode, open: Set<string>): number => {
    const key = `${node.callFrame.functionName || '(anonymous)'} ${node.callFrame.url.split('/').pop() ?? ''}`;
    self.set(key, (self.get(key) ?? 0) + node.selfSize);
    const first = !open.has(key);
    if (first) open.add(key);
    let bytes = node.selfSize;
    for (const c of node.children) bytes += walk(c, open);
    if (first) {
      inclusive.set(key, (inclusive.get(key) ?? 0) + bytes);
      open.delete(key);
    }
    return bytes;
  };
  return { total: walk(head, new Set()), self, inclusive };
}

const top = (m: ReadonlyMap<string, number>, n: number, resources: number): { fn: string; kbPerResource: number }[] =>
  [...m].sort((a, b) => b[1] - a[1]).slice(0, n).map(([fn, bytes]) => ({ fn, kbPerResource: Math.round((bytes / resources / 1024) * 10) / 10 }));

const dataDir = mkdtempSync(path.join(os.tmpdir(), 'bench-alloc-'));
const db = await startEmbeddedDatabase({ dataDir, port: await freePort(), database: 'bench', persistent: false });
try {
  await migrateLatest(db.connectionString);
  const pool = createPool(db.connectionString, 4);
  const base = 'http://127.0.0.1/fhir';
  const { repository, search } = createFhirServices(new ResourceStore(pool), createValidator(), loadConfig({}, { logLevel: 'silent' }), base);
  const processor = new BundleProcessor({ repository, search: search.service, serverBase: base, maxEntries: 100_000 });
  const dir = path.join(ROOT, '../shared/data/synthea');
  const names = readdirSync(dir).filter((f) => f.endsWith('.json')).sort();
  const texts = new Map(names.map((f) => [f, readFileSync(path.join(dir, f), 'utf8')]));
  const parse = (f: string): { entry: unknown[] } => JSON.parse(texts.get(f) ?? '{}') as { entry: unknown[] };
  for (const f of names.filter((x) => x.startsWith('0-'))) await processor.process(parse(f));
  const patients = names.filter((x) => !x.startsWith('0-'));
  for (const f of patients.slice(0, WARM_UP)) await processor.process(parse(f));
  const measured = patients.slice(WARM_UP, WARM_UP + sampled);
  const session = new Session();
  session.connect();
  let resources = 0;
  const load = tally(await sampling(session, async () => {
    for (const f of measured) {
      const bundle = parse(f);
      resources += bundle.entry.length;
      await processor.process(bundle);
    }
  }));
  const floor = tally(await sampling(session, () => {
    for (const f of measured) parse(f);
    return Promise.resolve();
  }));
  session.disconnect();
  await pool.end();
  const kb = (bytes: number): number => Math.round((bytes / resources / 1024) * 10) / 10;
  const summary = {
    date: new Date().toISOString(),
    files: measured.length,
    resources,
    allocatedKbPerResource: kb(load.total),
    jsonParseKbPerResource: kb(floor.total),
    ratioToJsonParse: Math.round((load.total / floor.total) * 10) / 10,
    topSelf: top(load.self, 15, resources),
    topInclusive: top(load.inclusive, 25, resources),
  };
  process.stdout.write(`${String(resources)} resources in ${String(measured.length)} patient Bundles: ${String(summary.allocatedKbPerResource)} KB allocated per resource; JSON.parse of the same files ${String(summary.jsonParseKbPerResource)} KB (ratio ${String(summary.ratioToJsonParse)})\n`);
  process.stdout.write('largest allocators (KB per resource, themselves):\n');
  for (const t of summary.topSelf) process.stdout.write(`  ${t.kbPerResource.toFixed(1).padStart(6)}  ${t.fn}\n`);
  process.stdout.write('largest allocators (KB per resource, with what they call):\n');
  for (const t of summary.topInclusive) process.stdout.write(`  ${t.kbPerResource.toFixed(1).padStart(6)}  ${t.fn}\n`);
  writeFileSync(path.join(ROOT, 'bench/results/alloc.json'), `${JSON.stringify(summary, null, 2)}\n`);
} finally {
  await db.stop();
  rmSync(dataDir, { recursive: true, force: true });
}

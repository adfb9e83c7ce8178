import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { loadConfig } from '../../../server/config/load.js';
import { BundleProcessor } from '../../../server/fhir/bundle/bundle-processor.js';
import { createFhirServices } from '../../../server/fhir/services.js';
import { loadChunk } from '../../../server/import/import-chunk.js';
import { CHUNK_ATTEMPTS, UNFINISHED_CLAIMS } from '../../../server/import/import-worker.js';
import { ImportJobStore } from '../../../server/store/import-job-store.js';
import type { ClaimedChunk } from '../../../server/store/import-job-types.js';
import { ResourceStore } from '../../../server/store/resource-store.js';
import { fhirRequest } from '../../helpers/http.js';
import { sharedValidator, startTestServer, testDatabaseUrl, type TestServer } from '../../helpers/server.js';
import { countByIdentifier } from '../bundle/helpers.js';
import { failures, ndjson, param, statusUrl, submitImport } from './async-helpers.js';

class SimulatedCrash extends Error {}

/** What a process dying in the middle of an `$import` chunk leaves behind, and how the next claim deals with it. */
describe('Asynchronous $import: a process dying mid-job', function () {
  this.timeout(60_000);
  let s: TestServer;
  const system = `urn:test:${randomUUID()}`;
  const lines = (prefix: string, n: number): string =>
    ndjson(Array.from({ length: n }, (_, i) => ({ resourceType: 'Patient', identifier: [{ system, value: `${prefix}${String(i)}` }] })));
  const jobOf = (url: string): string => new URL(url).searchParams.get('job') ?? '';

  before(async () => {
    s = await startTestServer({ importWorkerIntervalMs: 0, importRetryBaseMs: 0, importChunkLines: 2 });
  });
  after(async () => {
    await s.close();
  });

  it('a chunk locked by another process is left alone, and claimed again once that process is gone (its lock released)', async () => {
    const url = statusUrl(await submitImport(s.base, lines('lock-', 4), 'application/fhir+ndjson'));
    // Another server process claimed chunk 0 (the claim holds its row lock) ...
    const other = new pg.Client({ connectionString: testDatabaseUrl() });
    other.on('error', () => undefined);
    await other.connect();
    await other.query('BEGIN');
    await other.query('SELECT 1 FROM import_job_chunk WHERE job_id = $1 AND seq = 0 FOR UPDATE', [jobOf(url)]);
    expect(await s.runImports()).to.equal(1);
    const running = await fhirRequest(url);
    expect(running.status).to.equal(202);
    expect(running.headers.get('x-progress')).to.equal('running: 1 of 2 chunks loaded, 2 of 4 resources');
    // ... and died: PostgreSQL ends its session and releases the lock; the chunk is still queued.
    const pid = (other as unknown as { processID: number }).processID;
    await s.pool.query('SELECT pg_terminate_backend($1)', [pid]);
    await other.end().catch(() => undefined);
    expect(await s.runImports()).to.equal(1);
    const done = await fhirRequest(url);
    expect(param(done.body, 'loaded')).to.equal(4);
    for (let i = 0; i < 4; i += 1) expect(await countByIdentifier(s.pool, 'Patient', system, `lock-${String(i)}`)).to.equal(1);
  });

  /** A process claims the next chunk and loads it (its transaction commits), then dies before the claim commits. */
  async function loadThenDie(part: (chunk: ClaimedChunk) => ClaimedChunk = (chunk) => chunk): Promise<void> {
    const { repository, search } = createFhirServices(new ResourceStore(s.pool), sharedValidator(), loadConfig({}), s.base);
    const processor = new BundleProcessor({ repository, search: search.service, serverBase: s.base, maxEntries: 1000 });
    const claimed = new ImportJobStore(s.pool).claim(async (chunk) => {
      await loadChunk(processor, part(chunk), undefined);
      throw new SimulatedCrash('process died');
    }, () => undefined);
    await claimed.then(
      () => expect.fail('the simulated crash should end the claim'),
      (err: unknown) => expect(err).to.be.instanceOf(SimulatedCrash),
    );
  }

  const recordsOf = async (url: string): Promise<number> =>
    (await s.pool.query("SELECT 1 FROM outbox WHERE topic = 'import-bundle-loaded' AND payload ->> 'job' = $1", [jobOf(url)])).rowCount ?? 0;

  /** The next claim finishes the job's one chunk after the simulated crash; returns the job's summary, checked done. */
  async function finishAfterCrash(url: string): Promise<Record<string, unknown> | undefined> {
    expect(await s.runImports()).to.equal(1);
    const done = await fhirRequest(url);
    expect(param(done.body, 'state')).to.equal('done');
    return done.body;
  }

  it('a chunk whose writes committed but which was not marked done is loaded again without duplicates (lines without an id get an id derived from the job and line)', async () => {
    const url = statusUrl(await submitImport(s.base, lines('crash-', 2), 'application/fhir+ndjson'));
    await loadThenDie();
    expect(await countByIdentifier(s.pool, 'Patient', system, 'crash-0')).to.equal(1);
    expect((await fhirRequest(url)).status).to.equal(202);
    const done = await finishAfterCrash(url);
    expect(param(done, 'loaded')).to.equal(2);
    for (const v of ['crash-0', 'crash-1']) expect(await countByIdentifier(s.pool, 'Patient', system, v)).to.equal(1);
  });

  it('a transaction Bundle whose writes committed but whose chunk was not marked done is not loaded again: its plain creates are not made twice', async () => {
    const patient = (value: string): Record<string, unknown> => ({ resourceType: 'Patient', identifier: [{ system, value }] });
    const bundle = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        { resource: patient('tx-crash-0'), request: { method: 'POST', url: 'Patient' } },
        { resource: patient('tx-crash-1'), request: { method: 'POST', url: 'Patient', ifNoneExist: `identifier=${system}|tx-crash-1` } },
      ],
    };
    const url = statusUrl(await submitImport(s.base, JSON.stringify(bundle), 'application/fhir+json'));
    await loadThenDie();
    expect(await countByIdentifier(s.pool, 'Patient', system, 'tx-crash-0')).to.equal(1);
    const done = await finishAfterCrash(url);
    expect(param(done, 'loaded')).to.equal(2);
    for (const v of ['tx-crash-0', 'tx-crash-1']) expect(await countByIdentifier(s.pool, 'Patient', system, v)).to.equal(1);
    // The record the Bundle's transaction left is gone with the chunk marked done.
    expect(await recordsOf(url)).to.equal(0);
  });

  const batchOf = (entries: Record<string, unknown>[]): Record<string, unknown> => ({ resourceType: 'Bundle', type: 'batch', entry: entries });
  const postPatient = (value: string, conditional = false, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
    resource: { resourceType: 'Patient', identifier: [{ system, value }], ...extra },
    request: { method: 'POST', url: 'Patient', ...(conditional ? { ifNoneExist: `identifier=${system}|${value}` } : {}) },
  });

  it('a batch Bundle whose writes all committed but whose chunk was not marked done is not loaded again', async () => {
    // More entries than one write group (16), so several transactions each leave a record.
    const values = Array.from({ length: 20 }, (_, i) => `batch-all-${String(i)}`);
    const url = statusUrl(await submitImport(s.base, JSON.stringify(batchOf(values.map((v) => postPatient(v)))), 'application/fhir+json'));
    await loadThenDie();
    expect(await recordsOf(url)).to.be.greaterThan(1);
    const done = await finishAfterCrash(url);
    expect(param(done, 'loaded')).to.equal(20);
    for (const v of values) expect(await countByIdentifier(s.pool, 'Patient', system, v)).to.equal(1);
    expect(await recordsOf(url)).to.equal(0);
  });

  it('a batch Bundle loaded in part before its process died: the next claim loads only the rest, and reports failures by their index in the whole Bundle', async () => {
    const entries = [
      postPatient('batch-part-0'),
      postPatient('batch-part-1', true),
      postPatient('batch-part-bad', false, { gender: 'not-a-gender' }),
      postPatient('batch-part-3'),
      postPatient('batch-part-4', true),
    ];
    const url = statusUrl(await submitImport(s.base, JSON.stringify(batchOf(entries)), 'application/fhir+json'));
    // The process got through the first three entries (two written, one refused), then died.
    await loadThenDie((chunk) => ({ ...chunk, body: JSON.stringify(batchOf(entries.slice(0, 3))) }));
    expect(await countByIdentifier(s.pool, 'Patient', system, 'batch-part-0')).to.equal(1);
    expect(await countByIdentifier(s.pool, 'Patient', system, 'batch-part-3')).to.equal(0);
    const done = await finishAfterCrash(url);
    expect(param(done, 'loaded')).to.equal(4);
    expect(param(done, 'failed')).to.equal(1);
    const failed = failures(done);
    expect(failed.map((f) => f.entry)).to.deep.equal([2]);
    expect(failed[0]?.diagnostics).to.contain('not-a-gender');
    for (const v of ['batch-part-0', 'batch-part-1', 'batch-part-3', 'batch-part-4']) expect(await countByIdentifier(s.pool, 'Patient', system, v), v).to.equal(1);
    expect(await countByIdentifier(s.pool, 'Patient', system, 'batch-part-bad')).to.equal(0);
    expect(await recordsOf(url)).to.equal(0);
  });

  it('a chunk whose claims ended with their process gone UNFINISHED_CLAIMS times is reported failed, not loaded again; one such claim is survived', async () => {
    const url = statusUrl(await submitImport(s.base, lines('dies-', 5), 'application/fhir+ndjson'));
    const job = jobOf(url);
    // Chunk 0 (lines 1-2) stopped its process at each of its earlier claims; chunk 1 (lines 3-4) once; chunk 2 never.
    await s.pool.query('INSERT INTO import_job_chunk_claim (job_id, seq, claims) VALUES ($1, 0, $2), ($1, 1, 1)', [job, UNFINISHED_CLAIMS]);
    expect(await s.runImports()).to.equal(3);
    const done = await fhirRequest(url);
    expect(param(done.body, 'state')).to.equal('done');
    expect(param(done.body, 'loaded')).to.equal(3);
    expect(param(done.body, 'failed')).to.equal(2);
    const failed = failures(done.body);
    expect(failed.map((f) => f.line)).to.deep.equal([1, 2]);
    expect(failed[0]?.code).to.equal('too-costly');
    expect(failed[0]?.diagnostics).to.contain('the server stopped while loading');
    for (const [i, n] of [0, 0, 1, 1, 1].entries()) expect(await countByIdentifier(s.pool, 'Patient', system, `dies-${String(i)}`)).to.equal(n);
  });

  it('a line the database always refuses is retried, then reported failed (CHUNK_ATTEMPTS), and the job goes on', async () => {
    const fn = `import_test_refuse_${randomUUID().replace(/-/g, '')}`;
    await s.pool.query(`CREATE FUNCTION ${fn}() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF NEW.content::text LIKE '%refused-by-trigger%' THEN RAISE EXCEPTION 'refused by a test trigger'; END IF; RETURN NEW; END $$`);
    await s.pool.query(`CREATE TRIGGER ${fn} BEFORE INSERT ON resource FOR EACH ROW EXECUTE FUNCTION ${fn}()`);
    try {
      const patient = (value: string): Record<string, unknown> => ({ resourceType: 'Patient', identifier: [{ system, value }] });
      // Chunks of two lines: [ok-0, refused], [ok-1].
      const url = statusUrl(await submitImport(s.base, ndjson([patient('ok-0'), patient('refused-by-trigger'), patient('ok-1')]), 'application/fhir+ndjson'));
      for (let attempt = 1; attempt < CHUNK_ATTEMPTS; attempt += 1) {
        expect(await s.runImports(), `attempt ${String(attempt)}`).to.equal(0);
        expect((await fhirRequest(url)).status).to.equal(202);
      }
      expect(await s.runImports()).to.equal(2);
      const done = await fhirRequest(url);
      expect(param(done.body, 'state')).to.equal('done');
      expect(param(done.body, 'loaded')).to.equal(2);
      expect(param(done.body, 'failed')).to.equal(1);
      expect(failures(done.body).map((f) => f.line)).to.deep.equal([2]);
      expect(await countByIdentifier(s.pool, 'Patient', system, 'ok-0')).to.equal(1);
      expect(await countByIdentifier(s.pool, 'Patient', system, 'ok-1')).to.equal(1);
      expect(await countByIdentifier(s.pool, 'Patient', system, 'refused-by-trigger')).to.equal(0);
    } finally {
      await s.pool.query(`DROP TRIGGER ${fn} ON resource`);
      await s.pool.query(`DROP FUNCTION ${fn}()`);
    }
  });
});

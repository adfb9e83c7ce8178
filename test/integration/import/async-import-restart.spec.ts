import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { loadConfig } from '../../../server/config/load.js';
import { BundleProcessor } from '../../../server/fhir/bundle/bundle-processor.js';
import { createFhirServices } from '../../../server/fhir/services.js';
import { loadChunk } from '../../../server/import/import-chunk.js';
import { ImportJobStore } from '../../../server/store/import-job-store.js';
import { ResourceStore } from '../../../server/store/resource-store.js';
import { fhirRequest } from '../../helpers/http.js';
import { sharedValidator, startTestServer, testDatabaseUrl, type TestServer } from '../../helpers/server.js';
import { countByIdentifier } from '../bundle/helpers.js';
import { ndjson, param, statusUrl, submitImport } from './async-helpers.js';

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
    s = await startTestServer({ importWorkerIntervalMs: 0, importChunkLines: 2 });
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
    expect(running.headers.get('x-progress')).to.equal('running: 1 of 2 chunks loaded');
    // ... and died: PostgreSQL ends its session and releases the lock; the chunk is still queued.
    const pid = (other as unknown as { processID: number }).processID;
    await s.pool.query('SELECT pg_terminate_backend($1)', [pid]);
    await other.end().catch(() => undefined);
    expect(await s.runImports()).to.equal(1);
    const done = await fhirRequest(url);
    expect(param(done.body, 'loaded')).to.equal(4);
    for (let i = 0; i < 4; i += 1) expect(await countByIdentifier(s.pool, 'Patient', system, `lock-${String(i)}`)).to.equal(1);
  });

  it('a chunk whose writes committed but which was not marked done is loaded again without duplicates (lines without an id get an id derived from the job and line)', async () => {
    const url = statusUrl(await submitImport(s.base, lines('crash-', 2), 'application/fhir+ndjson'));
    const { repository, search } = createFhirServices(new ResourceStore(s.pool), sharedValidator(), loadConfig({}), s.base);
    const processor = new BundleProcessor({ repository, search: search.service, serverBase: s.base, maxEntries: 1000 });
    const store = new ImportJobStore(s.pool);
    // The process loads the chunk (its transaction commits), then dies before the claim commits.
    const claimed = store.claim(async (chunk) => {
      await loadChunk(processor, chunk, undefined);
      throw new SimulatedCrash('process died');
    }, () => undefined);
    await claimed.then(
      () => expect.fail('the simulated crash should end the claim'),
      (err: unknown) => expect(err).to.be.instanceOf(SimulatedCrash),
    );
    expect(await countByIdentifier(s.pool, 'Patient', system, 'crash-0')).to.equal(1);
    expect((await fhirRequest(url)).status).to.equal(202);
    expect(await s.runImports()).to.equal(1);
    const done = await fhirRequest(url);
    expect(param(done.body, 'state')).to.equal('done');
    expect(param(done.body, 'loaded')).to.equal(2);
    for (const v of ['crash-0', 'crash-1']) expect(await countByIdentifier(s.pool, 'Patient', system, v)).to.equal(1);
  });
});

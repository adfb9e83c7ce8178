import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { fetchInput } from '../../../server/import/fetch-input.js';
import { parseAllowList } from '../../../server/import/source-allow-list.js';
import { ImportJobStore } from '../../../server/store/import-job-store.js';
import { fhirRequest, firstIssue } from '../../helpers/http.js';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { countByIdentifier } from '../bundle/helpers.js';
import { failures, importJobCount, ndjson, param, statusUrl, submitImport, typeCounts } from './async-helpers.js';
import { manifest, startFileServer, type FileServer } from './file-server.js';

const JSON_TYPE = 'application/fhir+json';

class SimulatedCrash extends Error {}

/**
 * `$import` of a manifest (SMART Bulk Data Import): the worker fetches the files
 * from a local file server whose origin is IMPORT_ALLOWED_SOURCES. As in the other
 * async suites, the worker runs only when a test calls runImports().
 */
describe('Asynchronous $import of a manifest (NDJSON files by URL)', function () {
  this.timeout(60_000);
  let s: TestServer;
  let files: FileServer;
  let url: (path: string) => string;
  const system = `urn:test:${randomUUID()}`;
  const patient = (value: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({ resourceType: 'Patient', identifier: [{ system, value }], ...extra });
  const observation = (value: string): Record<string, unknown> => ({ resourceType: 'Observation', status: 'final', identifier: [{ system, value }], code: { text: 'x' } });
  const count = (type: string, value: string): Promise<number> => countByIdentifier(s.pool, type, system, value);

  /** Submits, runs the worker until nothing is left (a round ends at a transient failure), and returns the summary. */
  async function run(body: string): Promise<Record<string, unknown> | undefined> {
    const r = await submitImport(s.base, body, JSON_TYPE);
    expect(r.status, r.text).to.equal(202);
    while ((await s.runImports()) > 0);
    const done = await fhirRequest(statusUrl(r));
    expect(done.status, done.text).to.equal(200);
    return done.body;
  }

  before(async () => {
    files = await startFileServer();
    url = (path) => `${files.origin}/files/${path}`;
    s = await startTestServer({ importWorkerIntervalMs: 0, importRetryBaseMs: 0, importChunkLines: 2, importMaxBytes: 4096, importFetchTimeoutMs: 500, importAllowedSources: `${files.origin}/files/` });
  });
  after(async () => {
    await s.close();
    await files.close();
  });

  it('loads every file of the manifest, fetched by the worker and not in the request: counts per type, lines numbered per file', async () => {
    const id = randomUUID();
    files.serve('/files/two/Patient.ndjson', ndjson([patient('two-p1', { id }), patient('two-p2'), patient('two-p3')]));
    files.serve('/files/two/Observation.ndjson', ndjson([observation('two-o1'), { ...observation('two-o2'), subject: { reference: `Patient/${id}` } }]));
    const before = files.requests.length;
    const r = await submitImport(s.base, manifest([['Patient', url('two/Patient.ndjson')], ['Observation', url('two/Observation.ndjson')]]), JSON_TYPE);
    expect(r.status, r.text).to.equal(202);
    expect(files.requests.length, 'nothing is fetched in the request').to.equal(before);
    const queued = await fhirRequest(statusUrl(r));
    expect(queued.headers.get('x-progress')).to.equal('queued: 0 of 2 chunks loaded, 0 resources so far');
    // 2 fetches, then 2 + 1 NDJSON chunks of 2 lines.
    expect(await s.runImports()).to.equal(5);
    const done = (await fhirRequest(statusUrl(r))).body;
    expect(param(done, 'state')).to.equal('done');
    expect(param(done, 'format')).to.equal('manifest');
    expect(param(done, 'lines')).to.equal(5);
    expect([param(done, 'loaded'), param(done, 'failed')]).to.deep.equal([5, 0]);
    expect(typeCounts(done, 'Patient')).to.deep.equal({ loaded: 3, skipped: 0, failed: 0 });
    expect(typeCounts(done, 'Observation')).to.deep.equal({ loaded: 2, skipped: 0, failed: 0 });
    expect(failures(done)).to.deep.equal([]);
    expect((await fhirRequest(`${s.base}/Patient/${id}`)).status).to.equal(200);
    // Line 2 of each file has no id: each gets its own (derived from job, file and line).
    for (const [type, v] of [['Patient', 'two-p1'], ['Patient', 'two-p2'], ['Patient', 'two-p3'], ['Observation', 'two-o1'], ['Observation', 'two-o2']] as const) {
      expect(await count(type, v), v).to.equal(1);
    }
  });

  it('takes the same manifest as a FHIR Parameters resource', async () => {
    files.serve('/files/params/Patient.ndjson', ndjson([patient('param-1'), patient('param-2')]));
    const body = {
      resourceType: 'Parameters',
      parameter: [
        { name: 'inputFormat', valueCode: 'application/fhir+ndjson' },
        { name: 'inputSource', valueUri: 'https://source.example.org' },
        { name: 'input', part: [{ name: 'type', valueCode: 'Patient' }, { name: 'url', valueUrl: url('params/Patient.ndjson') }] },
      ],
    };
    const done = await run(JSON.stringify(body));
    expect(typeCounts(done, 'Patient')).to.deep.equal({ loaded: 2, skipped: 0, failed: 0 });
    expect(await count('Patient', 'param-2')).to.equal(1);
  });

  it('a 404 input fails alone, with its URL, and the other file loads', async () => {
    files.serve('/files/404/Patient.ndjson', ndjson([patient('nf-1')]));
    const missing = url('404/missing.ndjson?sig=secret');
    const done = await run(manifest([['Patient', missing], ['Patient', url('404/Patient.ndjson')]]));
    expect(param(done, 'state')).to.equal('done');
    expect(typeCounts(done, 'Patient')).to.deep.equal({ loaded: 1, skipped: 0, failed: 0 });
    const failed = failures(done);
    expect(failed).to.have.length(1);
    expect(failed[0]).to.include({ url: missing, code: 'not-found' });
    expect(failed[0]?.diagnostics).to.contain('answered 404').and.not.contain('secret');
    expect(await count('Patient', 'nf-1')).to.equal(1);
  });

  it('follows a redirect that stays under the allow-list; a redirect elsewhere fails its input without a request to that host', async () => {
    files.serve('/files/redir/Patient.ndjson', ndjson([patient('redir-1')]));
    files.serve('/files/redir/moved', (_req, res) => res.writeHead(302, { location: '/files/redir/Patient.ndjson' }).end());
    const elsewhere = `${files.origin.replace('127.0.0.1', 'localhost')}/files/redir/Patient.ndjson`;
    files.serve('/files/redir/out', (_req, res) => res.writeHead(307, { location: elsewhere }).end());
    const done = await run(manifest([['Patient', url('redir/moved')], ['Patient', url('redir/out')]]));
    expect(typeCounts(done, 'Patient')).to.deep.equal({ loaded: 1, skipped: 0, failed: 0 });
    const failed = failures(done);
    expect(failed.map((f) => [f.url, f.code])).to.deep.equal([[url('redir/out'), 'forbidden']]);
    expect(failed[0]?.diagnostics).to.contain('redirected to http://localhost:').and.contain('IMPORT_ALLOWED_SOURCES');
    expect(files.requests.filter((r) => r.startsWith('localhost'))).to.deep.equal([]);
  });

  it('a slow file, an oversized one and one that is not NDJSON each fail their input; the good one loads', async () => {
    files.serve('/files/bad/Patient.ndjson', ndjson([patient('bad-ok')]));
    files.serve('/files/bad/slow.ndjson', (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/fhir+ndjson' });
      res.write(`${JSON.stringify(patient('slow-1'))}\n`); // then nothing: the timeout (500 ms) ends it
    });
    files.serve('/files/bad/huge.ndjson', (_req, res) => {
      // No Content-Length: the limit is found while reading. 100 lines of ~70 bytes > 4096 (IMPORT_MAX_BYTES).
      res.writeHead(200, { 'content-type': 'application/fhir+ndjson' });
      res.end(ndjson(Array.from({ length: 100 }, (_, i) => patient(`huge-${String(i)}`))));
    });
    files.serve('/files/bad/page.html', (_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<html></html>'));
    const done = await run(manifest([['Patient', url('bad/slow.ndjson')], ['Patient', url('bad/huge.ndjson')], ['Patient', url('bad/page.html')], ['Patient', url('bad/Patient.ndjson')]]));
    expect(typeCounts(done, 'Patient')).to.deep.equal({ loaded: 1, skipped: 0, failed: 0 });
    expect(failures(done).map((f) => [f.url, f.code])).to.deep.equal([
      [url('bad/slow.ndjson'), 'timeout'],
      [url('bad/huge.ndjson'), 'too-long'],
      [url('bad/page.html'), 'not-supported'],
    ]);
    // A failed file adds nothing, not even the lines read before it failed.
    expect(await count('Patient', 'slow-1')).to.equal(0);
    expect(await count('Patient', 'huge-0')).to.equal(0);
    expect(await count('Patient', 'bad-ok')).to.equal(1);
  });

  it('tries a file again after a network error (the chunk attempts), and loads it', async () => {
    let calls = 0;
    files.serve('/files/flaky/Patient.ndjson', (req, res) => {
      calls += 1;
      if (calls === 1) {
        req.socket.destroy();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/x-ndjson' }).end(ndjson([patient('flaky-1')]));
    });
    const r = await submitImport(s.base, manifest([['Patient', url('flaky/Patient.ndjson')]]), JSON_TYPE);
    expect(await s.runImports()).to.equal(0);
    expect((await fhirRequest(statusUrl(r))).status).to.equal(202);
    expect(await s.runImports()).to.equal(2);
    const done = (await fhirRequest(statusUrl(r))).body;
    expect(typeCounts(done, 'Patient')).to.deep.equal({ loaded: 1, skipped: 0, failed: 0 });
    expect(calls).to.equal(2);
  });

  it('a file server answering 503 with Retry-After is not asked again before that time; then the file loads', async () => {
    let calls = 0;
    files.serve('/files/busy/Patient.ndjson', (_req, res) => {
      calls += 1;
      if (calls === 1) res.writeHead(503, { 'retry-after': '3600' }).end();
      else res.writeHead(200, { 'content-type': 'application/x-ndjson' }).end(ndjson([patient('busy-1')]));
    });
    const r = await submitImport(s.base, manifest([['Patient', url('busy/Patient.ndjson')]]), JSON_TYPE);
    const job = new URL(statusUrl(r)).searchParams.get('job');
    expect(await s.runImports()).to.equal(0);
    const wait = await s.pool.query<{ s: number }>(
      `SELECT extract(epoch FROM not_before - now())::float8 AS s FROM import_job_chunk WHERE job_id = $1 AND state = 'queued'`,
      [job],
    );
    expect(wait.rows[0]?.s).to.be.within(3500, 3600);
    // Not claimable before then: the worker leaves it alone, the job is still running.
    expect(await s.runImports()).to.equal(0);
    expect(calls).to.equal(1);
    expect((await fhirRequest(statusUrl(r))).status).to.equal(202);
    // The hour has passed.
    await s.pool.query(`UPDATE import_job_chunk SET not_before = now() WHERE job_id = $1`, [job]);
    expect(await s.runImports()).to.equal(2);
    expect(calls).to.equal(2);
    expect(typeCounts((await fhirRequest(statusUrl(r))).body, 'Patient')).to.deep.equal({ loaded: 1, skipped: 0, failed: 0 });
  });

  it('a process dying after fetching a file leaves its fetch chunk queued and none of its lines; the next claim fetches it again', async () => {
    files.serve('/files/crash/Patient.ndjson', ndjson([patient('crash-1'), patient('crash-2'), patient('crash-3')]));
    const r = await submitImport(s.base, manifest([['Patient', url('crash/Patient.ndjson')]]), JSON_TYPE);
    const job = new URL(statusUrl(r)).searchParams.get('job');
    const options = { allow: parseAllowList(`${files.origin}/files/`), maxBytes: 4096, timeoutMs: 5000, chunkLines: 2, maxLineBytes: 1_000_000 };
    // The file is fetched and its two chunks added in the claim transaction; then the process dies before the claim commits.
    let added = 0;
    const claimed = new ImportJobStore(s.pool).claim(async (chunk, adder) => {
      const counting = { add: (first: number, body: string) => ((added += 1), adder.add(first, body)), discard: () => adder.discard() };
      await fetchInput(chunk, counting, options, false);
      throw new SimulatedCrash('process died');
    }, () => undefined);
    await claimed.then(
      () => expect.fail('the simulated crash should end the claim'),
      (err: unknown) => expect(err).to.be.instanceOf(SimulatedCrash),
    );
    expect(added).to.equal(2);
    const rows = await s.pool.query<{ kind: string; state: string }>('SELECT kind, state FROM import_job_chunk WHERE job_id = $1', [job]);
    expect(rows.rows).to.deep.equal([{ kind: 'fetch', state: 'queued' }]);
    expect((await fhirRequest(statusUrl(r))).headers.get('x-progress')).to.equal('running: 0 of 1 chunks loaded, 0 resources so far');
    expect(await s.runImports()).to.equal(3);
    const done = (await fhirRequest(statusUrl(r))).body;
    expect([param(done, 'lines'), param(done, 'loaded')]).to.deep.equal([3, 3]);
    for (const v of ['crash-1', 'crash-2', 'crash-3']) expect(await count('Patient', v)).to.equal(1);
  });

  it('a line whose resourceType is not its file\'s type fails with its file and line; the rest of the file loads', async () => {
    files.serve('/files/mixed/Patient.ndjson', ndjson([patient('mixed-1'), observation('mixed-2'), '', patient('mixed-4')]));
    const done = await run(manifest([['Patient', url('mixed/Patient.ndjson')]]));
    expect(typeCounts(done, 'Patient')).to.deep.equal({ loaded: 2, skipped: 0, failed: 0 });
    expect(typeCounts(done, 'Observation')).to.deep.equal({ loaded: 0, skipped: 0, failed: 1 });
    const failed = failures(done);
    expect(failed.map((f) => [f.url, f.line, f.code])).to.deep.equal([[url('mixed/Patient.ndjson'), 2, 'invalid']]);
    expect(failed[0]?.diagnostics).to.contain('line 2 of').and.contain('a Observation, but the manifest gives this file the type Patient');
    expect(await count('Observation', 'mixed-2')).to.equal(0);
    expect(await count('Patient', 'mixed-4')).to.equal(1);
  });

  it('refuses URLs outside the allow-list at intake (look-alike hosts too), with nothing stored or fetched', async () => {
    const before = await importJobCount(s.pool);
    const requests = files.requests.length;
    const port = new URL(files.origin).port;
    const refused: [string, number][] = [
      [`http://127.0.0.1.evil.example:${port}/files/Patient.ndjson`, 403],
      [`http://localhost:${port}/files/Patient.ndjson`, 403],
      [`${files.origin}/files-private/Patient.ndjson`, 403],
      [`${files.origin}/files/../secret/Patient.ndjson`, 403],
      [`https://127.0.0.1:${port}/files/Patient.ndjson`, 403],
      [`http://127.0.0.1:${port}@evil.example/files/Patient.ndjson`, 400],
      [`http://u:p@127.0.0.1:${port}/files/Patient.ndjson`, 400],
      [`file:///etc/passwd`, 400],
    ];
    for (const [bad, status] of refused) {
      // The good input first: one bad input refuses the whole manifest.
      const r = await submitImport(s.base, manifest([['Patient', url('two/Patient.ndjson')], ['Patient', bad]]), JSON_TYPE);
      expect(r.status, `${bad}: ${r.text}`).to.equal(status);
      expect(firstIssue(r).expression, bad).to.deep.equal(['input[1].url']);
    }
    expect(await importJobCount(s.pool)).to.equal(before);
    expect(files.requests.length).to.equal(requests);
  });

  it('refuses a bad manifest with 400 naming what is wrong', async () => {
    const cases: [unknown, string][] = [
      [{ inputFormat: 'text/csv', input: [{ type: 'Patient', url: url('x') }] }, 'inputFormat'],
      [{ input: [{ type: 'Patient', url: url('x') }] }, 'inputFormat'],
      [{ inputFormat: 'application/fhir+ndjson', input: [] }, 'input'],
      [{ inputFormat: 'application/fhir+ndjson', input: [{ type: 'Patient' }] }, 'input[0].url'],
      [{ inputFormat: 'application/fhir+ndjson', input: [{ type: 'NoSuchType', url: url('x') }] }, 'input[0].type'],
      [{ inputFormat: 'application/fhir+ndjson', input: [{ type: 'Patient', url: 'not a url' }] }, 'input[0].url'],
      [{ resourceType: 'Parameters', parameter: [{ name: 'inputFormat', valueCode: 'application/fhir+ndjson' }] }, 'input'],
    ];
    for (const [body, expression] of cases) {
      const r = await submitImport(s.base, JSON.stringify(body), JSON_TYPE);
      expect(r.status, JSON.stringify(body)).to.equal(400);
      expect(firstIssue(r).expression).to.deep.equal([expression]);
    }
  });

  it('URL imports are off unless IMPORT_ALLOWED_SOURCES is set: 403 naming the setting', async () => {
    const plain = await startTestServer({ importWorkerIntervalMs: 0 });
    try {
      const before = await importJobCount(plain.pool);
      const r = await submitImport(plain.base, manifest([['Patient', url('two/Patient.ndjson')]]), JSON_TYPE);
      expect(r.status).to.equal(403);
      expect(firstIssue(r).diagnostics).to.contain('IMPORT_ALLOWED_SOURCES');
      expect(await importJobCount(plain.pool)).to.equal(before);
    } finally {
      await plain.close();
    }
  });
});

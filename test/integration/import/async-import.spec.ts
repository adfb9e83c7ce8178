import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { request } from 'node:http';
import { fhirRequest, firstIssue } from '../../helpers/http.js';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { countByIdentifier, historyRows } from '../bundle/helpers.js';
import { failures, importJobCount, ndjson, param, statusUrl, submitImport, typeCounts } from './async-helpers.js';

const NDJSON = 'application/fhir+ndjson';

/**
 * The asynchronous `$import` (AUTH_MODE=none). The suite's server runs no import
 * worker on a timer (IMPORT_WORKER_INTERVAL_MS=0): each test runs it when it wants
 * the job loaded, so "queued" and "cancelled" are seen deterministically.
 */
describe('Asynchronous $import (POST /fhir/$import)', function () {
  this.timeout(60_000);
  let s: TestServer;
  const system = `urn:test:${randomUUID()}`;
  const patient = (value: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({ resourceType: 'Patient', identifier: [{ system, value }], ...extra });

  before(async () => {
    s = await startTestServer({ importWorkerIntervalMs: 0, importChunkLines: 2, importMaxBytes: 64 * 1024 });
  });
  after(async () => {
    await s.close();
  });

  it('loads NDJSON in the background: 202 with the status URL, 202 + X-Progress while queued, 200 with the summary; bad lines reported by number, the rest loaded', async () => {
    const id = randomUUID();
    const body = ndjson([
      patient('n1', { id }),
      patient('n2'),
      '',
      '{ not json',
      patient('n3', { gender: 'not-a-gender' }),
      { resourceType: 'Observation', status: 'final', code: { text: 'weight' }, subject: { reference: `Patient/${id}` } },
      patient('n4'),
    ]);
    const r = await submitImport(s.base, body, NDJSON);
    expect(r.status).to.equal(202);
    const url = statusUrl(r);
    expect(url).to.match(new RegExp(`^${s.base.replace(/[$/]/g, '\\$&')}/\\$import-poll-status\\?job=[0-9a-f-]{36}$`));
    const queued = await fhirRequest(url);
    expect(queued.status).to.equal(202);
    expect(queued.headers.get('x-progress')).to.equal('queued: 0 of 3 chunks loaded, 0 of 7 resources');
    expect(await s.runImports()).to.equal(3);
    const done = await fhirRequest(url);
    expect(done.status).to.equal(200);
    expect(done.body?.['resourceType']).to.equal('Parameters');
    expect(param(done.body, 'state')).to.equal('done');
    expect(param(done.body, 'lines')).to.equal(7);
    expect([param(done.body, 'loaded'), param(done.body, 'failed')]).to.deep.equal([4, 2]);
    expect(typeCounts(done.body, 'Patient')).to.deep.equal({ loaded: 3, skipped: 0, failed: 1 });
    expect(typeCounts(done.body, 'Observation')).to.deep.equal({ loaded: 1, skipped: 0, failed: 0 });
    const failed = failures(done.body);
    expect(failed.map((f) => f.line)).to.deep.equal([4, 5]);
    expect(failed[0]?.diagnostics).to.contain('not JSON');
    expect(failed[1]?.code).to.equal('code-invalid');
    expect(failed[1]?.diagnostics).to.contain('gender');
    // A line with an id keeps it; those without one were created once each.
    expect((await fhirRequest(`${s.base}/Patient/${id}`)).status).to.equal(200);
    for (const v of ['n1', 'n2', 'n4']) expect(await countByIdentifier(s.pool, 'Patient', system, v)).to.equal(1);
    expect(await countByIdentifier(s.pool, 'Patient', system, 'n3')).to.equal(0);
  });

  it('loads a transaction Bundle, and reports a batch Bundle\'s failed entry by its index', async () => {
    const p = `urn:uuid:${randomUUID()}`;
    const tx = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        { fullUrl: p, resource: patient('b1'), request: { method: 'POST', url: 'Patient' } },
        { resource: { resourceType: 'Observation', status: 'final', code: { text: 'x' }, subject: { reference: p } }, request: { method: 'POST', url: 'Observation' } },
      ],
    };
    const batch = {
      resourceType: 'Bundle',
      type: 'batch',
      entry: [
        { resource: patient('b2'), request: { method: 'POST', url: 'Patient' } },
        { resource: patient('b3', { birthDate: 'yesterday' }), request: { method: 'POST', url: 'Patient' } },
      ],
    };
    const urls = [];
    for (const b of [tx, batch]) {
      const r = await submitImport(s.base, JSON.stringify(b), 'application/fhir+json');
      expect(r.status).to.equal(202);
      urls.push(statusUrl(r));
    }
    expect(await s.runImports()).to.equal(2);
    const [txDone, batchDone] = await Promise.all(urls.map((u) => fhirRequest(u)));
    expect(param(txDone?.body, 'loaded')).to.equal(2);
    expect(typeCounts(txDone?.body, 'Observation')).to.deep.equal({ loaded: 1, skipped: 0, failed: 0 });
    expect(await countByIdentifier(s.pool, 'Patient', system, 'b1')).to.equal(1);
    expect(typeCounts(batchDone?.body, 'Patient')).to.deep.equal({ loaded: 1, skipped: 0, failed: 1 });
    expect(failures(batchDone?.body).map((f) => f.entry)).to.deep.equal([1]);
    expect(await countByIdentifier(s.pool, 'Patient', system, 'b2')).to.equal(1);
  });

  it('a failed transaction Bundle is reported once, naming its entry, with nothing written', async () => {
    const tx = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        { resource: patient('t1'), request: { method: 'POST', url: 'Patient' } },
        { resource: patient('t2', { gender: 'nope' }), request: { method: 'POST', url: 'Patient' } },
      ],
    };
    const r = await submitImport(s.base, JSON.stringify(tx), 'application/fhir+json');
    await s.runImports();
    const done = await fhirRequest(statusUrl(r));
    expect(typeCounts(done.body, 'Patient')).to.deep.equal({ loaded: 0, skipped: 0, failed: 2 });
    expect(failures(done.body)[0]?.diagnostics).to.contain('Bundle.entry[1]');
    expect(await countByIdentifier(s.pool, 'Patient', system, 't1')).to.equal(0);
  });

  it('refuses bad requests at intake with an OperationOutcome and stores nothing', async () => {
    const before = await importJobCount(s.pool);
    const line = ndjson([patient('x')]);
    const cases: { status: number; r: Promise<Awaited<ReturnType<typeof submitImport>>> }[] = [
      { status: 400, r: fhirRequest(`${s.base}/$import`, { method: 'POST', raw: line, headers: { 'content-type': NDJSON } }) },
      { status: 415, r: submitImport(s.base, line, 'text/csv') },
      { status: 400, r: submitImport(s.base, JSON.stringify({ resourceType: 'Bundle', type: 'collection', entry: [] }), 'application/fhir+json') },
      { status: 400, r: submitImport(s.base, JSON.stringify(patient('y')), 'application/fhir+json') },
      { status: 400, r: submitImport(s.base, '{"resourceType": "Bundle", ', 'application/fhir+json') },
      { status: 400, r: submitImport(s.base, '\n\n{ nothing here\n', NDJSON) },
      { status: 413, r: submitImport(s.base, ndjson(Array.from({ length: 800 }, (_, i) => patient(`big-${String(i)}`))), NDJSON) },
    ];
    for (const c of cases) {
      const r = await c.r;
      expect(r.status, r.text).to.equal(c.status);
      expect(r.body?.['resourceType']).to.equal('OperationOutcome');
    }
    expect(firstIssue(await cases[0]!.r).diagnostics).to.contain('Prefer: respond-async');
    expect(await importJobCount(s.pool)).to.equal(before);
  });

  it('DELETE on the status URL cancels a job that has not run: nothing of it is loaded', async () => {
    const before = await historyRows(s.pool);
    const r = await submitImport(s.base, ndjson([patient('c1'), patient('c2'), patient('c3')]), NDJSON);
    const url = statusUrl(r);
    const cancelled = await fhirRequest(url, { method: 'DELETE' });
    expect(cancelled.status).to.equal(202);
    expect(await s.runImports()).to.equal(0);
    const status = await fhirRequest(url);
    expect(status.status).to.equal(200);
    expect(param(status.body, 'state')).to.equal('cancelled');
    expect(param(status.body, 'loaded')).to.equal(0);
    expect(await historyRows(s.pool)).to.equal(before);
    // DELETE on a finished job forgets it.
    expect((await fhirRequest(url, { method: 'DELETE' })).status).to.equal(202);
    expect((await fhirRequest(url)).status).to.equal(404);
  });

  it('an unknown job is 404, a malformed id 400, and other methods 405', async () => {
    expect((await fhirRequest(`${s.base}/$import-poll-status?job=${randomUUID()}`)).status).to.equal(404);
    expect((await fhirRequest(`${s.base}/$import-poll-status?job=${randomUUID()}`, { method: 'DELETE' })).status).to.equal(404);
    expect((await fhirRequest(`${s.base}/$import-poll-status?job=nope`)).status).to.equal(400);
    expect((await fhirRequest(`${s.base}/$import`)).status).to.equal(405);
  });

  it('the CapabilityStatement lists $import and its status operation', async () => {
    const r = await fhirRequest(`${s.base}/metadata`);
    const rest = (r.body?.['rest'] as { operation?: { name: string }[] }[])[0];
    expect(rest?.operation?.map((o) => o.name)).to.include.members(['import', 'import-poll-status']);
  });

  it('receives at most two uploads at once, so slow clients cannot take the whole connection pool', async () => {
    const inTransaction = async (): Promise<number> => {
      const r = await s.pool.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND state = 'idle in transaction'");
      return r.rows[0]?.n ?? -1;
    };
    const before = await inTransaction();
    const url = new URL(`${s.base}/$import`);
    const slow = Array.from({ length: 3 }, (_, k) => {
      const req = request(url, { method: 'POST', headers: { 'content-type': NDJSON, prefer: 'respond-async' } });
      const answered = new Promise<number>((resolve, reject) => {
        req.on('response', (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', reject);
      });
      req.write(`${JSON.stringify(patient(`slow-${k}-a`))}\n`);
      return { req, answered };
    });
    await new Promise((r) => setTimeout(r, 500));
    expect((await inTransaction()) - before, 'intake transactions open while the bodies are still coming').to.equal(2);
    for (const [k, { req }] of slow.entries()) req.end(JSON.stringify(patient(`slow-${k}-b`)));
    expect(await Promise.all(slow.map((u) => u.answered))).to.deep.equal([202, 202, 202]);
    expect(await inTransaction()).to.equal(before);
  });

  it('deletes finished jobs and their reports after IMPORT_RETENTION_HOURS', async () => {
    const kept = await startTestServer({ importWorkerIntervalMs: 0, importRetentionHours: 24 });
    try {
      const [old, recent, queued] = await Promise.all(['r-old', 'r-recent', 'r-queued'].map(async (v) => new URL(statusUrl(await submitImport(kept.base, ndjson([patient(v)]), NDJSON))).searchParams.get('job') ?? ''));
      await kept.pool.query(`UPDATE import_job SET state = 'done', finished = now() - interval '25 hours' WHERE id = $1`, [old]);
      await kept.pool.query(`UPDATE import_job SET state = 'done', finished = now() - interval '23 hours' WHERE id = $1`, [recent]);
      await kept.runImports();
      const left = await kept.pool.query<{ id: string }>('SELECT id FROM import_job WHERE id = ANY($1::uuid[])', [[old, recent, queued]]);
      expect(left.rows.map((r) => r.id).sort()).to.deep.equal([recent, queued].sort());
      const chunks = await kept.pool.query('SELECT 1 FROM import_job_chunk WHERE job_id = $1', [old]);
      expect(chunks.rowCount).to.equal(0);
    } finally {
      await kept.close();
    }
  });

  it('refuses an NDJSON line longer than MAX_BODY_BYTES with 413, storing nothing', async () => {
    const small = await startTestServer({ importWorkerIntervalMs: 0, maxBodyBytes: 2048 });
    try {
      const before = await importJobCount(small.pool);
      const r = await submitImport(small.base, ndjson([patient('short'), patient('long', { text: { status: 'generated', div: `<div xmlns="http://www.w3.org/1999/xhtml">${'x'.repeat(3000)}</div>` } })]), NDJSON);
      expect(r.status).to.equal(413);
      expect(firstIssue(r).diagnostics).to.contain('line 2');
      expect(await importJobCount(small.pool)).to.equal(before);
    } finally {
      await small.close();
    }
  });
});

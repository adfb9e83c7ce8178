import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { fhirRequest } from '../../helpers/http.js';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { pendingJobs } from '../../../server/store/outbox.js';
import { CONTENT_TOPIC } from '../../../server/store/search/content-index.js';
import { create, ids } from './support.js';

/** A word only this run writes (the simple text-search configuration keeps it whole). */
const word = (): string => `w${randomUUID().replaceAll('-', '')}`;

async function contentRows(s: TestServer, id: string): Promise<number> {
  const r = await s.pool.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM sp_text t JOIN resource r ON r.sid = t.res WHERE t.param = 2 AND r.resource_type = 'Patient' AND r.id = $1",
    [id],
  );
  return r.rows[0]?.n ?? -1;
}

describe('search: _content rows written in the background (SEARCH_CONTENT_DEFERRED)', () => {
  describe('deferred (the default), worker started by hand', () => {
    let s: TestServer;
    before(async () => {
      // No interval: the rows appear only when the test runs the worker (contentIndexed).
      s = await startTestServer({ searchContentWorkerIntervalMs: 0 });
    });
    after(async () => {
      await s.close();
    });

    it('a write queues its resource; the worker adds the rows, and every other parameter is indexed at once', async () => {
      const w = word();
      const family = `Fam${randomUUID().slice(0, 8)}`;
      const id = await create(s.base, { resourceType: 'Patient', name: [{ family, given: [w] }] });
      expect(await ids(s.base, `Patient?family=${family}`)).to.deep.equal([id]);
      expect(await contentRows(s, id)).to.equal(0);
      expect(await pendingJobs(s.pool, CONTENT_TOPIC)).to.be.greaterThan(0);
      expect(await ids(s.base, `Patient?_content=${w}`)).to.deep.equal([]);
      const metrics = await (await fetch(`${s.root}/metrics`)).text();
      expect(metrics).to.match(/fhir_background_jobs_waiting\{topic="search-content"\} [1-9]\d*/);
      await s.contentIndexed();
      expect(await pendingJobs(s.pool, CONTENT_TOPIC)).to.equal(0);
      expect(await ids(s.base, `Patient?_content=${w}`)).to.deep.equal([id]);
    });

    it('an update replaces the words and a delete removes them', async () => {
      const before = word();
      const after = word();
      const id = await create(s.base, { resourceType: 'Patient', name: [{ family: before }] });
      await s.contentIndexed();
      const put = await fhirRequest(`${s.base}/Patient/${id}`, { method: 'PUT', body: { resourceType: 'Patient', id, name: [{ family: after }] } });
      expect(put.status).to.equal(200);
      await s.contentIndexed();
      expect(await ids(s.base, `Patient?_content=${before}`)).to.deep.equal([]);
      expect(await ids(s.base, `Patient?_content=${after}`)).to.deep.equal([id]);
      expect((await fhirRequest(`${s.base}/Patient/${id}`, { method: 'DELETE' })).status).to.be.oneOf([200, 204]);
      await s.contentIndexed();
      expect(await contentRows(s, id)).to.equal(0);
    });

    it('a transaction Bundle of many creates queues one job per statement, and all of them become searchable', async () => {
      const w = word();
      const entry = Array.from({ length: 300 }, (_, i) => ({
        resource: { resourceType: 'Patient', name: [{ family: w, given: [`g${i}`] }] },
        request: { method: 'POST', url: 'Patient' },
      }));
      await s.contentIndexed();
      const r = await fhirRequest(s.base, { method: 'POST', body: { resourceType: 'Bundle', type: 'transaction', entry } });
      expect(r.status).to.equal(200);
      expect(await pendingJobs(s.pool, CONTENT_TOPIC)).to.equal(2); // 250 + 50
      await s.contentIndexed();
      const found = await fhirRequest(`${s.base}/Patient?_content=${w}&_summary=count`);
      expect(found.body?.['total']).to.equal(300);
    });

    it('$reindex keeps the _content rows', async () => {
      const w = word();
      const id = await create(s.base, { resourceType: 'Patient', name: [{ family: w }] });
      await s.contentIndexed();
      const one = await fhirRequest(`${s.base}/Patient/${id}/$reindex`, { method: 'POST', body: { resourceType: 'Parameters' } });
      expect(one.status).to.equal(200);
      expect(await ids(s.base, `Patient?_content=${w}`)).to.deep.equal([id]);
    });
  });

  describe('SEARCH_CONTENT_DEFERRED=false', () => {
    let s: TestServer;
    before(async () => {
      s = await startTestServer({ searchContentDeferred: false, searchContentWorkerIntervalMs: 0 });
    });
    after(async () => {
      await s.close();
    });

    it('writes the rows in the write statement: found at once, nothing queued', async () => {
      const w = word();
      const queued = await pendingJobs(s.pool, CONTENT_TOPIC);
      const id = await create(s.base, { resourceType: 'Patient', name: [{ family: w }] });
      expect(await ids(s.base, `Patient?_content=${w}`)).to.deep.equal([id]);
      expect(await pendingJobs(s.pool, CONTENT_TOPIC)).to.equal(queued);
    });
  });

  describe('the worker of a running server', () => {
    let s: TestServer;
    before(async () => {
      s = await startTestServer({ searchContentWorkerIntervalMs: 50 });
    });
    after(async () => {
      await s.close();
    });

    it('adds the rows on its own shortly after the write', async () => {
      const w = word();
      const id = await create(s.base, { resourceType: 'Patient', name: [{ family: w }] });
      let found: string[] = [];
      for (let i = 0; i < 100 && found.length === 0; i += 1) {
        await new Promise((r) => setTimeout(r, 50));
        found = await ids(s.base, `Patient?_content=${w}`);
      }
      expect(found).to.deep.equal([id]);
    });
  });
});

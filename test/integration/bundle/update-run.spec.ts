import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { fhirRequest, firstIssue } from '../../helpers/http.js';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { watchOverlappingQueries } from '../../helpers/pg-overlap.js';
import { bundle, countByIdentifier, historyRows, idOf, patient, postBundle, responseEntries, type Entry } from './helpers.js';

/**
 * A transaction's updates to known resources are written together (fhir/bundle/update-run.ts):
 * the outcome must be the one of writing them one by one, and where writing them together
 * cannot give it, they are written one by one.
 */
describe('Bundles: updates written together in a transaction', () => {
  let s: TestServer;
  const system = `urn:test:${randomUUID()}`;
  let watch: ReturnType<typeof watchOverlappingQueries>;
  before(async () => {
    s = await startTestServer();
    watch = watchOverlappingQueries();
  });
  after(async () => {
    watch.stop();
    await s.close();
  });

  const upsert = (value: string, extra: Record<string, unknown> = {}): Entry => ({
    resource: patient(system, value, extra),
    request: { method: 'PUT', url: `Patient?identifier=${system}|${value}` },
  });
  const putId = (id: string, value: string, extra: Record<string, unknown> = {}): Entry => ({
    resource: { ...patient(system, value, extra), id },
    request: { method: 'PUT', url: `Patient/${id}` },
  });
  /** Patients (male) created one per value; their ids in order. */
  async function created(values: readonly string[]): Promise<string[]> {
    const r = await postBundle(s.base, bundle('transaction', values.map((v) => upsert(v, { gender: 'male' }))));
    expect(r.status).to.equal(200);
    return responseEntries(r).map(idOf);
  }
  const search = async (query: string): Promise<string[]> => {
    const r = await fhirRequest(`${s.base}/Patient?${query}`);
    return ((r.body?.['entry'] ?? []) as { resource: { id: string } }[]).map((e) => `Patient/${e.resource.id}`).sort();
  };

  it('updates by criteria and by id, and of a deleted one: versions, history, index rows and statuses as one by one', async () => {
    const values = Array.from({ length: 4 }, () => randomUUID());
    const ids = await created(values);
    const gone = ids[3] ?? '';
    expect((await fhirRequest(`${s.base}/${gone}`, { method: 'DELETE' })).status).to.equal(204);
    const r = await postBundle(
      s.base,
      bundle('transaction', [
        upsert(values[0] ?? '', { gender: 'female' }),
        upsert(values[1] ?? '', { gender: 'other' }),
        putId((ids[2] ?? '').split('/')[1] ?? '', values[2] ?? '', { gender: 'other' }),
        putId(gone.split('/')[1] ?? '', values[3] ?? '', { gender: 'unknown' }),
      ]),
    );
    expect(r.status).to.equal(200);
    const out = responseEntries(r);
    expect(out.map((e) => e.response.status)).to.deep.equal(['200 OK', '200 OK', '200 OK', '201 Created']);
    expect(out.map((e) => e.response.etag)).to.deep.equal(['W/"2"', 'W/"2"', 'W/"2"', 'W/"3"']);
    expect(out.map(idOf)).to.deep.equal(ids);
    // The new index rows replaced the old ones.
    expect(await search(`identifier=${system}|${values[0] ?? ''}&gender=female`)).to.deep.equal([ids[0]]);
    expect(await search(`identifier=${system}|${values[0] ?? ''}&gender=male`)).to.deep.equal([]);
    expect(await search(`identifier=${system}|${values[1] ?? ''}&gender=other`)).to.deep.equal([ids[1]]);
    expect(await search(`identifier=${system}|${values[1] ?? ''}&gender=male`)).to.deep.equal([]);
    expect(await search(`identifier=${system}|${values[3] ?? ''}&gender=unknown`)).to.deep.equal([gone]);
    // History: the version before, then this one, later in time; meta says the same.
    const history = await fhirRequest(`${s.base}/${ids[0] ?? ''}/_history`);
    const versions = ((history.body?.['entry'] ?? []) as { resource: { meta: { versionId: string; lastUpdated: string } } }[]).map((e) => e.resource.meta);
    expect(versions.map((m) => m.versionId)).to.deep.equal(['2', '1']);
    expect(Date.parse(versions[0]?.lastUpdated ?? '')).to.be.greaterThan(Date.parse(versions[1]?.lastUpdated ?? ''));
    const read = await fhirRequest(`${s.base}/${ids[1] ?? ''}`);
    expect(read.body?.['gender']).to.equal('other');
    expect(read.body?.['meta']).to.include({ versionId: '2', lastUpdated: out[1]?.response.lastModified });
  });

  it('a PUT to an id not yet known among them creates it (the run is written one by one)', async () => {
    const values = Array.from({ length: 2 }, () => randomUUID());
    const ids = await created(values);
    const fresh = `n${randomUUID()}`;
    const r = await postBundle(s.base, bundle('transaction', [upsert(values[0] ?? '', { active: true }), putId(fresh, 'fresh'), upsert(values[1] ?? '', { active: true })]));
    expect(r.status).to.equal(200);
    const out = responseEntries(r);
    expect(out.map((e) => e.response.status)).to.deep.equal(['200 OK', '201 Created', '200 OK']);
    expect(out.map(idOf)).to.deep.equal([ids[0], `Patient/${fresh}`, ids[1]]);
    expect(await search(`identifier=${system}|${values[1] ?? ''}&active=true`)).to.deep.equal([ids[1]]);
  });

  it('an update that changes what its own criteria match is fine one by one, and so together', async () => {
    const values = Array.from({ length: 3 }, () => randomUUID());
    const ids = await created(values);
    const renamed = randomUUID();
    // The second entry finds its Patient by the old identifier and gives it a new one.
    const r = await postBundle(s.base, bundle('transaction', [upsert(values[0] ?? ''), { ...upsert(values[1] ?? ''), resource: patient(system, renamed) }, upsert(values[2] ?? '')]));
    expect(r.status).to.equal(200);
    expect(responseEntries(r).map(idOf)).to.deep.equal(ids);
    expect(await countByIdentifier(s.pool, 'Patient', system, values[1] ?? '')).to.equal(0);
    expect(await search(`identifier=${system}|${renamed}`)).to.deep.equal([ids[1]]);
  });

  it('an update giving its resource the identifier another entry updates by: that entry then matches two, as one by one (412), and nothing is written', async () => {
    const [a, b] = [randomUUID(), randomUUID()];
    // Ids chosen so that the update by id comes first in the transaction's order of updates.
    const first = `0${randomUUID()}`;
    const put = await fhirRequest(`${s.base}/Patient/${first}`, { method: 'PUT', body: { ...patient(system, a), id: first } });
    expect(put.status).to.equal(201);
    await created([b]);
    const before = await historyRows(s.pool);
    const r = await postBundle(s.base, bundle('transaction', [upsert(b), putId(first, b)]));
    expect(r.status).to.equal(412);
    expect(firstIssue(r).expression?.[0]).to.equal('Bundle.entry[0]');
    expect(await historyRows(s.pool)).to.equal(before);
    expect(await countByIdentifier(s.pool, 'Patient', system, a)).to.equal(1);
  });

  it('two updates of one resource (by id, and by criteria finding it): 400, a resource appears once, nothing written', async () => {
    const values = Array.from({ length: 3 }, () => randomUUID());
    const ids = (await created(values)).map((i) => i.split('/')[1] ?? '');
    const before = await historyRows(s.pool);
    for (const second of [putId(ids[1] ?? '', values[1] ?? ''), upsert(values[1] ?? '')]) {
      const r = await postBundle(s.base, bundle('transaction', [upsert(values[0] ?? ''), putId(ids[1] ?? '', values[1] ?? ''), second, upsert(values[2] ?? '')]));
      expect(r.status).to.equal(400);
      expect(firstIssue(r).diagnostics).to.contain(`Patient/${ids[1] ?? ''}`).and.contain('only appear in a transaction once');
    }
    expect(await historyRows(s.pool)).to.equal(before);
  });

  it('an invalid update in the middle: 422 naming it, nothing written', async () => {
    const values = Array.from({ length: 4 }, () => randomUUID());
    await created(values);
    const before = await historyRows(s.pool);
    const r = await postBundle(s.base, bundle('transaction', values.map((v, i) => upsert(v, i === 2 ? { gender: 'not-a-gender' } : { active: true }))));
    expect(r.status).to.equal(422);
    expect(firstIssue(r).expression?.[0]).to.equal('Bundle.entry[2]');
    expect(await historyRows(s.pool)).to.equal(before);
  });

  // Mocha runs a file's tests in order: this one sees every transaction above.
  it('ran the statements of the transactions above one at a time per connection', () => {
    expect(watch.overlapping()).to.equal(0);
  });
});

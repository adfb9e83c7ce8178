import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { fhirRequest } from '../../helpers/http.js';
import { startTestServer, type TestServer } from '../../helpers/server.js';

describe('REST: concurrent writes', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
  });
  after(async () => {
    await s.close();
  });

  const body = (id: string, n: number): Record<string, unknown> => ({
    resourceType: 'Patient',
    id,
    name: [{ family: `Writer${n}` }],
  });

  it('never gives two updates the same version, and history keeps every write', async () => {
    const id = randomUUID();
    await fhirRequest(`${s.base}/Patient/${id}`, { method: 'PUT', body: body(id, 0) });
    const writers = 20;
    const results = await Promise.all(
      Array.from({ length: writers }, (_, i) => fhirRequest(`${s.base}/Patient/${id}`, { method: 'PUT', body: body(id, i + 1) })),
    );
    expect(results.every((r) => r.status === 200)).to.equal(true);
    const versions = results.map((r) => r.headers.get('etag')).sort();
    expect(new Set(versions).size).to.equal(writers);
    const h = await fhirRequest(`${s.base}/Patient/${id}/_history?_count=100`);
    expect(h.body?.['total']).to.equal(writers + 1);
    const families = ((h.body?.['entry'] ?? []) as { resource: { name: { family: string }[] } }[]).map(
      (e) => e.resource.name[0]?.family,
    );
    for (let i = 0; i <= writers; i += 1) expect(families).to.include(`Writer${i}`);
  });

  it('with If-Match, exactly one of two racing updates wins and the other gets 412', async () => {
    for (let round = 0; round < 5; round += 1) {
      const id = randomUUID();
      await fhirRequest(`${s.base}/Patient/${id}`, { method: 'PUT', body: body(id, 0) });
      const race = await Promise.all(
        [1, 2].map((n) =>
          fhirRequest(`${s.base}/Patient/${id}`, { method: 'PUT', body: body(id, n), headers: { 'if-match': 'W/"1"' } }),
        ),
      );
      expect(race.map((r) => r.status).sort()).to.deep.equal([200, 412]);
      const h = await fhirRequest(`${s.base}/Patient/${id}/_history`);
      expect(h.body?.['total']).to.equal(2);
    }
  });

  it('concurrent update-as-create of one new id yields versions 1..n, one 201', async () => {
    const id = randomUUID();
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) => fhirRequest(`${s.base}/Patient/${id}`, { method: 'PUT', body: body(id, i) })),
    );
    expect(results.filter((r) => r.status === 201)).to.have.length(1);
    expect(results.filter((r) => r.status === 200)).to.have.length(7);
    expect(new Set(results.map((r) => r.headers.get('etag'))).size).to.equal(8);
  });
  it('concurrent plain creates (written together in shared statements) each get their own row, history and index rows', async () => {
    const run = randomUUID();
    const n = 60;
    const bodies = Array.from({ length: n }, (_, i) =>
      i % 3 === 2
        ? { resourceType: 'Observation', status: 'final', code: { text: `batch-${run}` }, identifier: [{ system: `urn:run:${run}`, value: `v${i}` }], valueQuantity: { value: i, unit: 'mg' } }
        : { resourceType: 'Patient', identifier: [{ system: `urn:run:${run}`, value: `v${i}` }], name: [{ family: `Batch${i}x${run.slice(0, 8)}` }], birthDate: `19${String(10 + i)}-01-01` },
    );
    const created = await Promise.all(bodies.map((b) => fhirRequest(`${s.base}/${b.resourceType}`, { method: 'POST', body: b })));
    expect(created.map((r) => r.status)).to.deep.equal(bodies.map(() => 201));
    const ids = created.map((r) => String(r.body?.['id']));
    expect(new Set(ids).size).to.equal(n);
    await Promise.all(
      bodies.map(async (b, i) => {
        const type = b.resourceType;
        expect(created[i]?.headers.get('location')).to.equal(`${s.base}/${type}/${ids[i]}/_history/1`);
        const read = await fhirRequest(`${s.base}/${type}/${ids[i]}`);
        expect(read.body?.['identifier']).to.deep.equal(b.identifier);
        expect((read.body?.['meta'] as { versionId: string }).versionId).to.equal('1');
        // The index rows belong to this resource and no other: search by its own identifier finds exactly it.
        const found = await fhirRequest(`${s.base}/${type}?identifier=${encodeURIComponent(`urn:run:${run}|v${i}`)}`);
        const entries = (found.body?.['entry'] ?? []) as { resource: { id: string } }[];
        expect(entries.map((e) => e.resource.id)).to.deep.equal([ids[i]]);
        const history = await fhirRequest(`${s.base}/${type}/${ids[i]}/_history`);
        expect(history.body?.['total']).to.equal(1);
      }),
    );
    const patients = await fhirRequest(`${s.base}/Patient?identifier=${encodeURIComponent(`urn:run:${run}|`)}&birthdate=ge1950-01-01&_summary=count`);
    expect(patients.body?.['total']).to.equal(bodies.filter((b) => b.resourceType === 'Patient' && Number(b.birthDate?.slice(0, 4)) >= 1950).length);
  });
});

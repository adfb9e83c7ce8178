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
});

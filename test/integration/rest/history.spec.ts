import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { fhirRequest } from '../../helpers/http.js';
import { startTestServer, type TestServer } from '../../helpers/server.js';

interface Entry {
  fullUrl: string;
  resource?: { id: string; meta: { versionId: string } };
  request: { method: string; url: string };
  response: { status: string; etag: string };
}
const entries = (body: Record<string, unknown> | undefined): Entry[] => (body?.['entry'] ?? []) as Entry[];
const link = (body: Record<string, unknown> | undefined, rel: string): string | undefined =>
  ((body?.['link'] ?? []) as { relation: string; url: string }[]).find((l) => l.relation === rel)?.url;

describe('REST: history', () => {
  let s: TestServer;
  // A resource type nobody else in the suite writes, so type-level counts are exact.
  const type = 'ImmunizationRecommendation';
  const make = (id: string, date: string): Record<string, unknown> => ({
    resourceType: type,
    id,
    patient: { reference: 'Patient/x' },
    date: '2024-01-01',
    recommendation: [{ forecastStatus: { text: `step ${date}` }, vaccineCode: [{ text: 'MMR' }] }],
  });
  let a: string;
  let b: string;
  let betweenWrites: string;

  before(async () => {
    s = await startTestServer();
    a = randomUUID();
    b = randomUUID();
    await fhirRequest(`${s.base}/${type}/${a}`, { method: 'PUT', body: make(a, '1') });
    await fhirRequest(`${s.base}/${type}/${a}`, { method: 'PUT', body: make(a, '2') });
    await new Promise((r) => setTimeout(r, 20));
    betweenWrites = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 20));
    await fhirRequest(`${s.base}/${type}/${b}`, { method: 'PUT', body: make(b, '1') });
    await fhirRequest(`${s.base}/${type}/${a}`, { method: 'DELETE' });
  });
  after(async () => {
    await s.close();
  });

  it('instance history lists every version newest first with request and response', async () => {
    const r = await fhirRequest(`${s.base}/${type}/${a}/_history`);
    expect(r.status).to.equal(200);
    expect(r.body?.['type']).to.equal('history');
    expect(r.body?.['total']).to.equal(3);
    const e = entries(r.body);
    expect(e.map((x) => x.request.method)).to.deep.equal(['DELETE', 'PUT', 'PUT']);
    expect(e.map((x) => x.response.etag)).to.deep.equal(['W/"3"', 'W/"2"', 'W/"1"']);
    expect(e[1]?.resource?.meta.versionId).to.equal('2');
    expect(e[2]?.response.status).to.equal('201');
    expect(e[0]?.fullUrl).to.equal(`${s.base}/${type}/${a}`);
  });

  it('instance history of an unknown resource is 404', async () => {
    expect((await fhirRequest(`${s.base}/${type}/${randomUUID()}/_history`)).status).to.equal(404);
  });

  it('type history holds the versions of every resource of the type', async () => {
    const r = await fhirRequest(`${s.base}/${type}/_history`);
    const e = entries(r.body).filter((x) => x.fullUrl.endsWith(a) || x.fullUrl.endsWith(b));
    expect(e).to.have.length(4);
  });

  it('_since keeps versions written at or after the instant', async () => {
    const r = await fhirRequest(`${s.base}/${type}/_history?_since=${encodeURIComponent(betweenWrites)}`);
    const e = entries(r.body).filter((x) => x.fullUrl.endsWith(a) || x.fullUrl.endsWith(b));
    expect(e.map((x) => x.request.method)).to.deep.equal(['DELETE', 'PUT']);
  });

  it('_at gives the versions current at that time', async () => {
    const r = await fhirRequest(`${s.base}/${type}/${a}/_history?_at=${encodeURIComponent(betweenWrites)}`);
    expect(entries(r.body).map((x) => x.response.etag)).to.deep.equal(['W/"2"']);
  });

  it('rejects malformed _since, _at and _count', async () => {
    expect((await fhirRequest(`${s.base}/_history?_since=yesterday`)).status).to.equal(400);
    expect((await fhirRequest(`${s.base}/_history?_at=2024-13`)).status).to.equal(400);
    expect((await fhirRequest(`${s.base}/_history?_count=-1`)).status).to.equal(400);
  });

  it('pages with _count and next links that stay right while writes happen', async () => {
    const id = randomUUID();
    for (let i = 0; i < 5; i += 1) {
      await fhirRequest(`${s.base}/${type}/${id}`, { method: 'PUT', body: make(id, String(i)) });
    }
    const first = await fhirRequest(`${s.base}/${type}/${id}/_history?_count=2`);
    expect(entries(first.body).map((x) => x.response.etag)).to.deep.equal(['W/"5"', 'W/"4"']);
    // A write between pages must neither shift nor duplicate the next page.
    await fhirRequest(`${s.base}/${type}/${id}`, { method: 'PUT', body: make(id, 'later') });
    const next = link(first.body, 'next');
    expect(next).to.be.a('string');
    const second = await fhirRequest(String(next));
    expect(entries(second.body).map((x) => x.response.etag)).to.deep.equal(['W/"3"', 'W/"2"']);
    const third = await fhirRequest(String(link(second.body, 'next')));
    expect(entries(third.body).map((x) => x.response.etag)).to.deep.equal(['W/"1"']);
    expect(link(third.body, 'next')).to.equal(undefined);
  });

  it('system history includes writes of every type', async () => {
    const id = randomUUID();
    await fhirRequest(`${s.base}/Basic/${id}`, {
      method: 'PUT',
      body: { resourceType: 'Basic', id, code: { text: 'x' } },
    });
    const r = await fhirRequest(`${s.base}/_history?_count=50`);
    expect(entries(r.body).some((x) => x.fullUrl.endsWith(`/Basic/${id}`))).to.equal(true);
  });
});

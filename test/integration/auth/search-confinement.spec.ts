import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { fhirRequest, type FhirResponse } from '../../helpers/http.js';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { authorize, createUser, discover, registerClient, withToken } from '../../helpers/smart.js';

/**
 * Confinement of searches happens in SQL (issue #6): a patient-scoped or
 * restricted token gets full pages of what it may see and working next links,
 * even when most matching rows belong to other patients or categories.
 */
const CAT = 'http://terminology.hl7.org/CodeSystem/observation-category';
type Page = { entry?: { resource: { id: string; subject: { reference: string }; category: { coding: { code: string }[] }[] } }[]; link?: { relation: string; url: string }[] };

describe('search confinement in SQL (patient compartment, SMART v2 restrictions)', function () {
  this.timeout(60_000);
  let s: TestServer;
  let open: TestServer;
  const run = randomUUID().slice(0, 8);
  const mine = `conf-${run}-mine`;
  const other = `conf-${run}-other`;
  const code = `conf-${run}`;
  const tokens: Record<string, string> = {};

  async function token(role: 'patient' | 'clinician', fhirUser: string, scope: string): Promise<string> {
    const redirectUri = 'http://app.test/cb';
    const { clientId } = await registerClient(s.pool, { name: 'Confinement app', kind: 'public', redirectUris: [redirectUri] });
    const user = await createUser(s.pool, role, fhirUser);
    return (await authorize(s, { config: await discover(s, clientId), redirectUri, scope, user })).access_token;
  }

  /** Every page of a search, following next links. */
  async function allPages(first: string, bearer: string): Promise<Page[]> {
    const pages: Page[] = [];
    for (let url: string | undefined = first; url !== undefined; ) {
      const r: FhirResponse = await withToken(url, bearer);
      expect(r.status).to.equal(200);
      const page = r.body as Page;
      pages.push(page);
      url = page.link?.find((l) => l.relation === 'next')?.url;
    }
    return pages;
  }

  before(async () => {
    s = await startTestServer({ authMode: 'smart' });
    open = await startTestServer();
    const entry = [mine, other].map((p) => ({ resource: { resourceType: 'Patient', id: p }, request: { method: 'PUT', url: `Patient/${p}` } }));
    // Ordered so that screening after the query would leave pages part-empty for both tokens.
    for (const [patient, n, cat] of [[mine, 4, 'vital-signs'], [other, 30, 'laboratory'], [mine, 5, 'laboratory']] as const) {
      for (let i = 0; i < n; i += 1) {
        entry.push({
          resource: { resourceType: 'Observation', status: 'final', code: { text: code }, category: [{ coding: [{ system: CAT, code: cat }] }], subject: { reference: `Patient/${patient}` } },
          request: { method: 'POST', url: 'Observation' },
        } as never);
      }
    }
    expect((await fhirRequest(open.base, { method: 'POST', body: { resourceType: 'Bundle', type: 'transaction', entry } })).status).to.equal(200);
    tokens['patient'] = await token('patient', `Patient/${mine}`, 'launch/patient patient/Observation.rs patient/Patient.rs');
    tokens['lab'] = await token('clinician', 'Practitioner/conf', `user/Observation.rs?category=${CAT}|laboratory`);
  });
  after(async () => {
    await s.close();
    await open.close();
  });

  it('a patient token pages through exactly its own resources, every page full', async () => {
    const pages = await allPages(`${s.base}/Observation?code:text=${code}&_count=3`, tokens['patient'] ?? '');
    const refs = pages.flatMap((p) => (p.entry ?? []).map((e) => e.resource.subject.reference));
    expect(refs).to.have.length(9);
    expect(new Set(refs)).to.deep.equal(new Set([`Patient/${mine}`]));
    expect(pages.map((p) => p.entry?.length ?? 0)).to.deep.equal([3, 3, 3]);
  });

  it('a v2 restriction (laboratory only) pages through only laboratory results, every page full', async () => {
    const pages = await allPages(`${s.base}/Observation?code:text=${code}&_count=10`, tokens['lab'] ?? '');
    const cats = pages.flatMap((p) => (p.entry ?? []).map((e) => e.resource.category[0]?.coding[0]?.code));
    expect(cats).to.have.length(35);
    expect(new Set(cats)).to.deep.equal(new Set(['laboratory']));
    expect(pages.map((p) => p.entry?.length ?? 0)).to.deep.equal([10, 10, 10, 5]);
  });

  it('search entries of a batch Bundle are confined the same way (full page of own resources)', async () => {
    const body = { resourceType: 'Bundle', type: 'batch', entry: [{ request: { method: 'GET', url: `Observation?code:text=${code}&_count=6` } }] };
    const r = await withToken(s.base, tokens['patient'] ?? '', { method: 'POST', body });
    expect(r.status).to.equal(200);
    const entry = (r.body as { entry: { resource?: Page; response: { status: string } }[] }).entry[0];
    expect(entry?.response.status).to.match(/^200/);
    const refs = (entry?.resource?.entry ?? []).map((e) => e.resource.subject.reference);
    expect(refs).to.deep.equal(Array.from({ length: 6 }, () => `Patient/${mine}`));
  });

  it('the patient finds its own Patient resource and no other', async () => {
    const r = await withToken(`${s.base}/Patient?_id=${mine},${other}`, tokens['patient'] ?? '');
    expect(r.status).to.equal(200);
    expect(((r.body as Page).entry ?? []).map((e) => e.resource.id)).to.deep.equal([mine]);
  });
});

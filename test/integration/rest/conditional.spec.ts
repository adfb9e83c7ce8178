import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { fhirRequest, firstIssue } from '../../helpers/http.js';
import { startTestServer, type TestServer } from '../../helpers/server.js';

const SYSTEM = 'http://hospital.example.org/mrn';

describe('REST: conditional create, update, delete and patch', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
  });
  after(async () => {
    await s.close();
  });

  const withMrn = (mrn: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
    resourceType: 'Patient',
    identifier: [{ system: SYSTEM, value: mrn }],
    ...extra,
  });
  const post = (body: Record<string, unknown>, ifNoneExist?: string): ReturnType<typeof fhirRequest> =>
    fhirRequest(`${s.base}/Patient`, {
      method: 'POST',
      body,
      ...(ifNoneExist === undefined ? {} : { headers: { 'if-none-exist': ifNoneExist } }),
    });

  describe('create with If-None-Exist', () => {
    it('creates on no match, returns the existing one (200) on one match, 412 on several', async () => {
      const mrn = randomUUID();
      const first = await post(withMrn(mrn), `identifier=${SYSTEM}|${mrn}`);
      expect(first.status).to.equal(201);
      const again = await post(withMrn(mrn), `identifier=${SYSTEM}|${mrn}`);
      expect(again.status).to.equal(200);
      expect(again.body?.['id']).to.equal(first.body?.['id']);
      await post(withMrn(mrn));
      const many = await post(withMrn(mrn), `identifier=${SYSTEM}|${mrn}`);
      expect(many.status).to.equal(412);
      expect(firstIssue(many).code).to.equal('multiple-matches');
    });

    it('matches on value alone, system alone, and _id', async () => {
      const mrn = randomUUID();
      const c = await post(withMrn(mrn));
      expect((await post(withMrn(mrn), `identifier=${mrn}`)).status).to.equal(200);
      expect((await post(withMrn(mrn), `identifier=http://other.example|${mrn}`)).status).to.equal(201);
      expect((await post(withMrn('x'), `_id=${String(c.body?.['id'])}`)).status).to.equal(200);
    });

    it('refuses unknown criteria instead of ignoring them (ignoring would widen the match)', async () => {
      const r = await post(withMrn('y'), 'bogus=smith');
      expect(r.status).to.equal(400);
      expect(firstIssue(r).diagnostics).to.contain('bogus');
    });

    it('uses the search engine for any criteria (issue #3)', async () => {
      const mrn = randomUUID();
      const family = `Fam${mrn.slice(0, 8)}`;
      const body = { ...withMrn(mrn), name: [{ family }], birthDate: '1970-01-02' };
      expect((await post(body)).status).to.equal(201);
      expect((await post(body, `family=${family}&birthdate=1970`)).status).to.equal(200);
      expect((await post(body, `family=${family}&birthdate=1971`)).status).to.equal(201);
    });

    it('creates exactly one resource when many clients race on the same criteria', async () => {
      const mrn = randomUUID();
      const results = await Promise.all(Array.from({ length: 12 }, () => post(withMrn(mrn), `identifier=${SYSTEM}|${mrn}`)));
      expect(results.filter((r) => r.status === 201)).to.have.length(1);
      expect(results.filter((r) => r.status === 200)).to.have.length(11);
      expect(new Set(results.map((r) => r.body?.['id'])).size).to.equal(1);
    });
  });

  describe('update by criteria', () => {
    it('creates on no match, updates the one match, 412 on several', async () => {
      const mrn = randomUUID();
      const q = `${s.base}/Patient?identifier=${encodeURIComponent(`${SYSTEM}|${mrn}`)}`;
      const c = await fhirRequest(q, { method: 'PUT', body: withMrn(mrn, { gender: 'male' }) });
      expect(c.status).to.equal(201);
      const u = await fhirRequest(q, { method: 'PUT', body: withMrn(mrn, { gender: 'female' }) });
      expect(u.status).to.equal(200);
      expect(u.body?.['id']).to.equal(c.body?.['id']);
      expect(u.headers.get('etag')).to.equal('W/"2"');
      const wrongId = await fhirRequest(q, { method: 'PUT', body: withMrn(mrn, { id: 'not-the-match' }) });
      expect(wrongId.status).to.equal(400);
      await post(withMrn(mrn));
      expect((await fhirRequest(q, { method: 'PUT', body: withMrn(mrn) })).status).to.equal(412);
    });
  });

  describe('delete by criteria', () => {
    it('deletes the single match, does nothing on none, 412 on several', async () => {
      const mrn = randomUUID();
      const c = await post(withMrn(mrn));
      const q = `${s.base}/Patient?identifier=${encodeURIComponent(`${SYSTEM}|${mrn}`)}`;
      expect((await fhirRequest(q, { method: 'DELETE' })).status).to.equal(204);
      expect((await fhirRequest(`${s.base}/Patient/${String(c.body?.['id'])}`)).status).to.equal(410);
      expect((await fhirRequest(q, { method: 'DELETE' })).status).to.equal(204);
      await post(withMrn(mrn));
      await post(withMrn(mrn));
      expect((await fhirRequest(q, { method: 'DELETE' })).status).to.equal(412);
    });
  });

  describe('patch by criteria', () => {
    it('patches the single match, 404 on none', async () => {
      const mrn = randomUUID();
      await post(withMrn(mrn));
      const q = `${s.base}/Patient?identifier=${encodeURIComponent(`${SYSTEM}|${mrn}`)}`;
      const p = await fhirRequest(q, {
        method: 'PATCH',
        raw: JSON.stringify([{ op: 'add', path: '/active', value: true }]),
        headers: { 'content-type': 'application/json-patch+json' },
      });
      expect(p.status).to.equal(200);
      expect(p.body?.['active']).to.equal(true);
      const none = await fhirRequest(`${s.base}/Patient?identifier=${randomUUID()}`, {
        method: 'PATCH',
        raw: '[]',
        headers: { 'content-type': 'application/json-patch+json' },
      });
      expect(none.status).to.equal(404);
    });
  });
});

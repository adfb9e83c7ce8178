import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { fhirRequest, firstIssue } from '../../helpers/http.js';
import { startTestServer, type TestServer } from '../../helpers/server.js';

const patient = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  resourceType: 'Patient',
  name: [{ family: 'Chalmers', given: ['Peter', 'James'] }],
  gender: 'male',
  birthDate: '1974-12-25',
  ...extra,
});

describe('REST: create, read, vread, update, delete', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
  });
  after(async () => {
    await s.close();
  });

  describe('create', () => {
    it('assigns a UUID id, version 1, and returns Location, ETag and Last-Modified', async () => {
      const r = await fhirRequest(`${s.base}/Patient`, { method: 'POST', body: patient({ id: 'client-id-ignored' }) });
      expect(r.status).to.equal(201);
      const id = String(r.body?.['id']);
      expect(id).to.match(/^[0-9a-f-]{36}$/);
      expect(r.headers.get('location')).to.equal(`${s.base}/Patient/${id}/_history/1`);
      expect(r.headers.get('etag')).to.equal('W/"1"');
      expect(r.headers.get('last-modified')).to.be.a('string');
      expect(r.headers.get('content-type')).to.match(/^application\/fhir\+json/);
      const meta = r.body?.['meta'] as Record<string, unknown>;
      expect(meta['versionId']).to.equal('1');
      expect(new Date(String(meta['lastUpdated'])).toUTCString()).to.equal(r.headers.get('last-modified'));
    });

    it('keeps client meta (profiles, tags, security) but owns versionId and lastUpdated', async () => {
      const meta = {
        versionId: '99',
        lastUpdated: '2001-01-01T00:00:00Z',
        profile: ['http://example.org/fhir/StructureDefinition/p'],
        tag: [{ system: 'http://example.org/tags', code: 't1' }],
        security: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality', code: 'R' }],
      };
      const c = await fhirRequest(`${s.base}/Patient`, { method: 'POST', body: patient({ meta }) });
      expect(c.status).to.equal(201);
      const r = await fhirRequest(`${s.base}/Patient/${String(c.body?.['id'])}`);
      const m = r.body?.['meta'] as Record<string, unknown>;
      expect(m['versionId']).to.equal('1');
      expect(m['lastUpdated']).not.to.equal(meta.lastUpdated);
      expect(m['profile']).to.deep.equal(meta.profile);
      expect(m['tag']).to.deep.equal(meta.tag);
      expect(m['security']).to.deep.equal(meta.security);
    });

    it('stores meta.versionId and meta.lastUpdated equal to the version columns, for a create and for an update-as-create', async () => {
      const created = await fhirRequest(`${s.base}/Patient`, { method: 'POST', body: patient() });
      const putId = randomUUID();
      const put = await fhirRequest(`${s.base}/Patient/${putId}`, { method: 'PUT', body: patient({ id: putId }) });
      expect(put.status).to.equal(201);
      for (const id of [String(created.body?.['id']), putId]) {
        const row = await s.pool.query<{ version_id: number; last_updated: Date; v: string; t: string }>(
          "SELECT version_id, last_updated, content->'meta'->>'versionId' AS v, content->'meta'->>'lastUpdated' AS t FROM resource WHERE resource_type = 'Patient' AND id = $1",
          [id],
        );
        const stored = row.rows[0];
        expect(stored?.v).to.equal('1');
        expect(stored?.version_id).to.equal(1);
        expect(stored?.t).to.equal(stored?.last_updated.toISOString());
        const read = await fhirRequest(`${s.base}/Patient/${id}`);
        expect((read.body?.['meta'] as Record<string, unknown>)['lastUpdated']).to.equal(stored?.t);
        expect(read.headers.get('last-modified')).to.equal(stored?.last_updated.toUTCString());
      }
    });

    it('a later version is never stamped before the one it replaces (version 1 may carry a clock ahead of the database\'s)', async () => {
      const c = await fhirRequest(`${s.base}/Patient`, { method: 'POST', body: patient() });
      const id = String(c.body?.['id']);
      // As if the server process's clock ran an hour ahead of the database's when it created version 1.
      await s.pool.query(
        `UPDATE resource SET last_updated = last_updated + interval '1 hour',
                content = jsonb_set(content, '{meta,lastUpdated}', to_jsonb(to_char((last_updated + interval '1 hour') AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')))
          WHERE resource_type = 'Patient' AND id = $1`,
        [id],
      );
      const v1 = String(((await fhirRequest(`${s.base}/Patient/${id}`)).body?.['meta'] as Record<string, unknown>)['lastUpdated']);
      const u = await fhirRequest(`${s.base}/Patient/${id}`, { method: 'PUT', body: patient({ id, gender: 'female' }) });
      expect(u.status).to.equal(200);
      const v2 = String((u.body?.['meta'] as Record<string, unknown>)['lastUpdated']);
      expect(Date.parse(v2) - Date.parse(v1)).to.equal(1);
      const row = await s.pool.query<{ t: Date; m: string }>(
        "SELECT last_updated AS t, content->'meta'->>'lastUpdated' AS m FROM resource WHERE resource_type = 'Patient' AND id = $1",
        [id],
      );
      expect(row.rows[0]?.m).to.equal(v2);
      expect(row.rows[0]?.t.toISOString()).to.equal(v2);
    });

    it('serialises resourceType first', async () => {
      const c = await fhirRequest(`${s.base}/Patient`, { method: 'POST', body: patient() });
      const r = await fhirRequest(`${s.base}/Patient/${String(c.body?.['id'])}`);
      expect(r.text.startsWith('{"resourceType":"Patient"')).to.equal(true);
    });

    it('honours Prefer: return=minimal and return=OperationOutcome', async () => {
      const minimal = await fhirRequest(`${s.base}/Patient`, {
        method: 'POST',
        body: patient(),
        headers: { prefer: 'return=minimal' },
      });
      expect(minimal.status).to.equal(201);
      expect(minimal.text).to.equal('');
      expect(minimal.headers.get('location')).to.match(/_history\/1$/);
      const oo = await fhirRequest(`${s.base}/Patient`, {
        method: 'POST',
        body: patient(),
        headers: { prefer: 'return=OperationOutcome' },
      });
      expect(oo.status).to.equal(201);
      expect(oo.body?.['resourceType']).to.equal('OperationOutcome');
    });
  });

  describe('read and vread', () => {
    let id: string;
    before(async () => {
      const c = await fhirRequest(`${s.base}/Patient`, { method: 'POST', body: patient() });
      id = String(c.body?.['id']);
      await fhirRequest(`${s.base}/Patient/${id}`, { method: 'PUT', body: patient({ id, gender: 'other' }) });
    });

    it('reads the current version with its ETag', async () => {
      const r = await fhirRequest(`${s.base}/Patient/${id}`);
      expect(r.status).to.equal(200);
      expect(r.headers.get('etag')).to.equal('W/"2"');
      expect(r.body?.['gender']).to.equal('other');
    });

    it('reads an old version by vread', async () => {
      const r = await fhirRequest(`${s.base}/Patient/${id}/_history/1`);
      expect(r.status).to.equal(200);
      expect(r.body?.['gender']).to.equal('male');
      expect((r.body?.['meta'] as Record<string, unknown>)['versionId']).to.equal('1');
    });

    it('gives 404 for an unknown id, version, or malformed version', async () => {
      expect((await fhirRequest(`${s.base}/Patient/${randomUUID()}`)).status).to.equal(404);
      const v = await fhirRequest(`${s.base}/Patient/${id}/_history/9`);
      expect(v.status).to.equal(404);
      expect(firstIssue(v).code).to.equal('not-found');
      expect((await fhirRequest(`${s.base}/Patient/${id}/_history/abc`)).status).to.equal(404);
    });

    it('gives 404 for an unknown resource type', async () => {
      const r = await fhirRequest(`${s.base}/Patientx/${id}`);
      expect(r.status).to.equal(404);
      expect(r.body?.['resourceType']).to.equal('OperationOutcome');
    });

    it('answers If-None-Match and If-Modified-Since with 304', async () => {
      expect((await fhirRequest(`${s.base}/Patient/${id}`, { headers: { 'if-none-match': 'W/"2"' } })).status).to.equal(304);
      expect((await fhirRequest(`${s.base}/Patient/${id}`, { headers: { 'if-none-match': 'W/"1"' } })).status).to.equal(200);
      const later = new Date(Date.now() + 60_000).toUTCString();
      const earlier = new Date(Date.now() - 3_600_000).toUTCString();
      expect((await fhirRequest(`${s.base}/Patient/${id}`, { headers: { 'if-modified-since': later } })).status).to.equal(304);
      expect((await fhirRequest(`${s.base}/Patient/${id}`, { headers: { 'if-modified-since': earlier } })).status).to.equal(200);
    });

    it('applies _summary, _elements and _pretty', async () => {
      const sum = await fhirRequest(`${s.base}/Patient/${id}?_summary=true`);
      expect(sum.body).to.include.keys('name', 'gender', 'birthDate');
      const tags = (sum.body?.['meta'] as Record<string, unknown>)['tag'] as { code: string }[];
      expect(tags.map((t) => t.code)).to.include('SUBSETTED');
      const text = await fhirRequest(`${s.base}/Patient/${id}?_summary=text`);
      expect(text.body).not.to.have.any.keys('name', 'gender');
      const els = await fhirRequest(`${s.base}/Patient/${id}?_elements=birthDate`);
      expect(Object.keys(els.body ?? {}).sort()).to.deep.equal(['birthDate', 'id', 'meta', 'resourceType']);
      const pretty = await fhirRequest(`${s.base}/Patient/${id}?_pretty=true`);
      expect(pretty.text).to.contain('\n  "resourceType": "Patient"');
      expect((await fhirRequest(`${s.base}/Patient/${id}?_summary=maybe`)).status).to.equal(400);
    });
  });

  describe('update', () => {
    it('creates with the client id when the id is new (update-as-create), then updates', async () => {
      const id = `pt-${randomUUID()}`;
      const c = await fhirRequest(`${s.base}/Patient/${id}`, { method: 'PUT', body: patient({ id }) });
      expect(c.status).to.equal(201);
      expect(c.headers.get('location')).to.equal(`${s.base}/Patient/${id}/_history/1`);
      const u = await fhirRequest(`${s.base}/Patient/${id}`, { method: 'PUT', body: patient({ id, gender: 'female' }) });
      expect(u.status).to.equal(200);
      expect(u.headers.get('etag')).to.equal('W/"2"');
      expect(u.headers.get('location')).to.equal(`${s.base}/Patient/${id}/_history/2`);
    });

    it('checks If-Match: 412 on a stale version, 200 on the current one', async () => {
      const id = randomUUID();
      await fhirRequest(`${s.base}/Patient/${id}`, { method: 'PUT', body: patient({ id }) });
      const stale = await fhirRequest(`${s.base}/Patient/${id}`, {
        method: 'PUT',
        body: patient({ id, gender: 'female' }),
        headers: { 'if-match': 'W/"7"' },
      });
      expect(stale.status).to.equal(412);
      const ok = await fhirRequest(`${s.base}/Patient/${id}`, {
        method: 'PUT',
        body: patient({ id, gender: 'female' }),
        headers: { 'if-match': 'W/"1"' },
      });
      expect(ok.status).to.equal(200);
      const missing = await fhirRequest(`${s.base}/Patient/${randomUUID()}`, {
        method: 'PUT',
        body: patient(),
        headers: { 'if-match': 'W/"1"' },
      });
      expect(missing.status).to.be.oneOf([400, 412]);
    });

    it('rejects an invalid id, an id mismatch and a type mismatch with 400', async () => {
      const bad = await fhirRequest(`${s.base}/Patient/bad_id!`, { method: 'PUT', body: patient({ id: 'bad_id!' }) });
      expect(bad.status).to.equal(400);
      const mismatch = await fhirRequest(`${s.base}/Patient/abc`, { method: 'PUT', body: patient({ id: 'xyz' }) });
      expect(mismatch.status).to.equal(400);
      expect(firstIssue(mismatch).code).to.equal('invalid');
      const noId = await fhirRequest(`${s.base}/Patient/abc`, { method: 'PUT', body: patient() });
      expect(noId.status).to.equal(400);
      const type = await fhirRequest(`${s.base}/Patient`, { method: 'POST', body: { resourceType: 'Observation' } });
      expect(type.status).to.equal(400);
    });
  });

  describe('delete', () => {
    it('deletes logically: 410 afterwards, history kept, re-created by PUT', async () => {
      const id = randomUUID();
      await fhirRequest(`${s.base}/Patient/${id}`, { method: 'PUT', body: patient({ id }) });
      const d = await fhirRequest(`${s.base}/Patient/${id}`, { method: 'DELETE' });
      expect(d.status).to.equal(204);
      expect(d.headers.get('etag')).to.equal('W/"2"');
      const g = await fhirRequest(`${s.base}/Patient/${id}`);
      expect(g.status).to.equal(410);
      expect(firstIssue(g).code).to.equal('deleted');
      expect((await fhirRequest(`${s.base}/Patient/${id}/_history/1`)).status).to.equal(200);
      expect((await fhirRequest(`${s.base}/Patient/${id}/_history/2`)).status).to.equal(410);
      const again = await fhirRequest(`${s.base}/Patient/${id}`, { method: 'DELETE' });
      expect(again.status).to.equal(204);
      const h = await fhirRequest(`${s.base}/Patient/${id}/_history`);
      const entries = h.body?.['entry'] as { request: { method: string }; resource?: unknown }[];
      expect(entries.map((e) => e.request.method)).to.deep.equal(['DELETE', 'PUT']);
      expect(entries[0]?.resource).to.equal(undefined);
      const re = await fhirRequest(`${s.base}/Patient/${id}`, { method: 'PUT', body: patient({ id }) });
      expect(re.status).to.equal(201);
      expect(re.headers.get('etag')).to.equal('W/"3"');
    });

    it('checks If-Match on delete', async () => {
      const id = randomUUID();
      await fhirRequest(`${s.base}/Patient/${id}`, { method: 'PUT', body: patient({ id }) });
      const stale = await fhirRequest(`${s.base}/Patient/${id}`, { method: 'DELETE', headers: { 'if-match': 'W/"5"' } });
      expect(stale.status).to.equal(412);
      expect((await fhirRequest(`${s.base}/Patient/${id}`)).status).to.equal(200);
    });

    it('returns an OperationOutcome when asked', async () => {
      const id = randomUUID();
      await fhirRequest(`${s.base}/Patient/${id}`, { method: 'PUT', body: patient({ id }) });
      const d = await fhirRequest(`${s.base}/Patient/${id}`, {
        method: 'DELETE',
        headers: { prefer: 'return=OperationOutcome' },
      });
      expect(d.status).to.equal(200);
      expect(d.body?.['resourceType']).to.equal('OperationOutcome');
    });
  });
});

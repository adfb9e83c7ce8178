import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { fhirRequest } from '../../helpers/http.js';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { bundle, countByIdentifier, idOf, observation, patient, post, postBundle, responseEntries, uuid } from './helpers.js';

describe('Bundles: batch', () => {
  let s: TestServer;
  const system = `urn:test:${randomUUID()}`;
  before(async () => {
    s = await startTestServer();
  });
  after(async () => {
    await s.close();
  });

  it('processes each entry on its own: one bad entry does not affect the others', async () => {
    const existing = randomUUID();
    await fhirRequest(`${s.base}/Patient`, { method: 'POST', body: patient(system, existing) });
    const r = await postBundle(
      s.base,
      bundle('batch', [
        post(patient(system, 'ok-1')),
        post({ resourceType: 'Patient', gender: 'not-a-gender' }),
        { request: { method: 'GET', url: `Patient/${randomUUID()}` } },
        post(patient(system, existing), uuid(), `identifier=${system}|${existing}`),
        { request: { method: 'POST', url: 'Patient' } },
        post(observation(`Patient?identifier=${system}|${existing}`)),
      ]),
    );
    expect(r.status).to.equal(200);
    expect(r.body?.['type']).to.equal('batch-response');
    const [created, invalid, missing, matched, malformed, referring] = responseEntries(r);
    expect(created?.response.status).to.equal('201 Created');
    expect(created?.response.location).to.match(/^Patient\/[\w-]+\/_history\/1$/);
    expect(created?.response.etag).to.equal('W/"1"');
    expect(Date.parse(created?.response.lastModified ?? '')).to.be.greaterThan(0);
    expect(invalid?.response.status).to.equal('422 Unprocessable Entity');
    expect(invalid?.response.outcome?.issue[0]?.code).to.be.oneOf(['processing', 'code-invalid', 'value']);
    expect(missing?.response.status).to.equal('404 Not Found');
    expect(missing?.response.outcome?.issue[0]?.code).to.equal('not-found');
    expect(matched?.response.status).to.equal('200 OK');
    expect(malformed?.response.status).to.equal('400 Bad Request');
    expect(referring?.response.status).to.equal('201 Created');
    expect((await fhirRequest(`${s.base}/${idOf(created)}`)).status).to.equal(200);
    const obs = await fhirRequest(`${s.base}/${idOf(referring)}`);
    expect(obs.body?.['subject']).to.deep.equal({ reference: idOf(matched) });
  });

  /** Runs `fn` while a trigger refuses to store any resource whose text holds `marker`: a database error on demand. */
  async function withRefusingTrigger(marker: string, fn: () => Promise<void>): Promise<void> {
    // A stand-in for any database error inside the transaction a group of batch entries shares (batch.ts).
    const name = `test_refuse_${randomUUID().replaceAll('-', '')}`;
    await s.pool.query(`CREATE FUNCTION ${name}() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.content::text LIKE '%${marker}%' THEN RAISE EXCEPTION 'refused by the test trigger'; END IF;
        RETURN NEW;
      END $$`);
    await s.pool.query(`CREATE TRIGGER ${name} BEFORE INSERT ON resource FOR EACH ROW EXECUTE FUNCTION ${name}()`);
    try {
      await fn();
    } finally {
      await s.pool.query(`DROP TRIGGER ${name} ON resource`);
      await s.pool.query(`DROP FUNCTION ${name}()`);
    }
  }

  it('an entry failing in the database rolls back only its group, whose other entries run again on their own', async () => {
    const marker = `explode-${randomUUID()}`;
    await withRefusingTrigger(marker, async () => {
      // The failing entry in the middle of its group, and last in it (then only COMMIT follows).
      for (const order of [['db-1', 'db-2', marker, 'db-4'], ['db-1', 'db-2', 'db-3', marker]]) {
        const values = order.map((v) => `${v}-${randomUUID()}`);
        const r = await postBundle(s.base, bundle('batch', values.map((v) => post(patient(system, v)))));
        expect(r.status).to.equal(200);
        const entries = responseEntries(r);
        const failing = order.indexOf(marker);
        expect(entries.map((e) => e.response.status)).to.deep.equal(order.map((_, i) => (i === failing ? '500 Internal Server Error' : '201 Created')));
        for (const [i, e] of entries.entries()) if (i !== failing) expect((await fhirRequest(`${s.base}/${idOf(e)}`)).status).to.equal(200);
      }
    });
  });

  it('a conditional reference resolved inside a group that is rolled back is resolved again, to what was stored', async () => {
    const marker = `explode-${randomUUID()}`;
    const npi = randomUUID();
    await withRefusingTrigger(marker, async () => {
      const practitioner = { resourceType: 'Practitioner', identifier: [{ system, value: npi }] };
      const role = { resourceType: 'PractitionerRole', practitioner: { reference: `Practitioner?identifier=${system}|${npi}` } };
      // One group: the practitioner (conditional creates go first), its role, then an entry the database refuses.
      const r = await postBundle(s.base, bundle('batch', [post(practitioner, uuid(), `identifier=${system}|${npi}`), post(role), post(patient(system, marker))]));
      expect(r.status).to.equal(200);
      const entries = responseEntries(r);
      expect(entries.map((e) => e.response.status)).to.deep.equal(['201 Created', '201 Created', '500 Internal Server Error']);
      const stored = await fhirRequest(`${s.base}/${idOf(entries[1])}`);
      expect(stored.body?.['practitioner']).to.deep.equal({ reference: idOf(entries[0]) });
      expect((await fhirRequest(`${s.base}/${idOf(entries[0])}`)).status).to.equal(200);
    });
  });

  it('conditional creates of one group: matched together, stored together, each with its own outcome', async () => {
    // 40 entries = several groups; every third identifier exists beforehand.
    const values = Array.from({ length: 40 }, (_, i) => `group-${String(i)}-${randomUUID()}`);
    const before = new Map<string, string>();
    for (const [i, v] of values.entries()) {
      if (i % 3 !== 0) continue;
      const r = await fhirRequest(`${s.base}/Patient`, { method: 'POST', body: patient(system, v) });
      before.set(v, String(r.body?.['id']));
    }
    const r = await postBundle(s.base, bundle('batch', values.map((v) => post(patient(system, v), uuid(), `identifier=${system}|${v}`))), { prefer: 'return=representation' });
    expect(r.status).to.equal(200);
    const entries = responseEntries(r);
    expect(entries).to.have.length(values.length);
    for (const [i, v] of values.entries()) {
      const e = entries[i];
      const existing = before.get(v);
      expect(e?.response.status, v).to.equal(existing === undefined ? '201 Created' : '200 OK');
      expect(e?.response.etag).to.equal('W/"1"');
      // The stored resource comes back, the existing one for a match (found with the match, not read again).
      const body = e?.resource as unknown as { id: string; identifier: { value: string }[] } | undefined;
      expect(body?.identifier[0]?.value).to.equal(v);
      if (existing !== undefined) {
        expect(idOf(e)).to.equal(`Patient/${existing}`);
        expect(body?.id).to.equal(existing);
      }
      const stored = await fhirRequest(`${s.base}/${idOf(e)}`);
      expect((stored.body?.['identifier'] as { value: string }[] | undefined)?.[0]?.value).to.equal(v);
      expect(await countByIdentifier(s.pool, 'Patient', system, v)).to.equal(1);
    }
  });

  it('two entries of one batch with the same criteria (their parameters in either order) create one resource: the second finds the first', async () => {
    const v = randomUUID();
    const r = await postBundle(
      s.base,
      bundle('batch', [
        post(patient(system, v, { active: true }), uuid(), `identifier=${system}|${v}&active=true`),
        post(patient(system, `other-${v}`), uuid(), `identifier=${system}|other-${v}`),
        post(patient(system, v, { active: true }), uuid(), `active=true&identifier=${system}|${v}`),
      ]),
    );
    const [first, other, second] = responseEntries(r);
    expect(first?.response.status).to.equal('201 Created');
    expect(other?.response.status).to.equal('201 Created');
    expect(second?.response.status).to.equal('200 OK');
    expect(idOf(second)).to.equal(idOf(first));
    expect(await countByIdentifier(s.pool, 'Patient', system, v)).to.equal(1);
  });

  it('criteria that cannot be parsed or that match twice fail only their entry, in a group of good ones', async () => {
    const twice = randomUUID();
    for (let i = 0; i < 2; i += 1) await fhirRequest(`${s.base}/Patient`, { method: 'POST', body: patient(system, twice) });
    const good = [randomUUID(), randomUUID()];
    const r = await postBundle(
      s.base,
      bundle('batch', [
        post(patient(system, good[0] ?? '')), // a plain create in the same group
        post(patient(system, 'x'), uuid(), 'no-such-parameter=1'),
        post(patient(system, twice), uuid(), `identifier=${system}|${twice}`),
        post(patient(system, good[1] ?? ''), uuid(), `identifier=${system}|${good[1] ?? ''}`),
      ]),
    );
    const statuses = responseEntries(r).map((e) => e.response.status);
    expect(statuses).to.deep.equal(['201 Created', '400 Bad Request', '412 Precondition Failed', '201 Created']);
    for (const v of good) expect(await countByIdentifier(s.pool, 'Patient', system, v)).to.equal(1);
  });

  it('conditional reads: request.ifNoneMatch / ifModifiedSince answer 304 without the resource when the copy is current (http.html#cread)', async () => {
    const created = await fhirRequest(`${s.base}/Patient`, { method: 'POST', body: patient(system, 'cread') });
    const id = String(created.body?.['id']);
    await fhirRequest(`${s.base}/Patient/${id}`, { method: 'PUT', body: { ...patient(system, 'cread'), id, active: true } });
    const modified = Date.parse((created.body?.['meta'] as { lastUpdated: string }).lastUpdated);
    const get = (request: Record<string, unknown>): Record<string, unknown> => ({ request: { method: 'GET', url: `Patient/${id}`, ...request } });
    const r = await postBundle(
      s.base,
      bundle('batch', [
        get({ ifNoneMatch: 'W/"2"' }),
        get({ ifNoneMatch: 'W/"1"' }),
        get({ ifNoneMatch: '*' }),
        get({ ifModifiedSince: new Date(modified + 60_000).toISOString() }),
        get({ ifModifiedSince: '2000-01-01T00:00:00Z' }),
        get({ ifNoneMatch: 'W/"1"', ifModifiedSince: new Date(modified + 60_000).toISOString() }),
        { request: { method: 'HEAD', url: `Patient/${id}`, ifNoneMatch: 'W/"2"' } },
        { resource: patient(system, 'cread-post'), request: { method: 'POST', url: 'Patient', ifNoneMatch: 'W/"1"' } },
        get({ ifNoneMatch: 'version two' }),
        get({ ifModifiedSince: 'yesterday' }),
        get({ ifModifiedSince: '2099-01-01T00:00:00' }), // no time zone
      ]),
    );
    const entries = responseEntries(r);
    expect(entries.map((e) => e.response.status)).to.deep.equal([
      '304 Not Modified', // the current version
      '200 OK', // an older one
      '304 Not Modified', // * matches every version
      '304 Not Modified', // not modified since a minute after its last change
      '200 OK', // modified since 2000
      '200 OK', // ifNoneMatch decides when both are given (RFC 9110 13.2.2)
      '304 Not Modified',
      '400 Bad Request', // only on GET / HEAD
      '400 Bad Request',
      '400 Bad Request',
      '400 Bad Request',
    ]);
    expect(entries[0]?.resource).to.equal(undefined);
    expect(entries[0]?.response.etag).to.equal('W/"2"');
    expect(entries[1]?.resource?.['active']).to.equal(true);
    expect(entries[7]?.response.outcome?.issue[0]?.diagnostics).to.contain('request.ifNoneMatch is only meaningful on GET and HEAD');
    expect(await countByIdentifier(s.pool, 'Patient', system, 'cread-post')).to.equal(0);
  });

  it('answers in request order, whatever the processing order (DELETE, POST, PUT, GET)', async () => {
    const id = randomUUID();
    const r = await postBundle(
      s.base,
      bundle('batch', [
        { request: { method: 'GET', url: `Patient/${id}` } },
        { resource: { resourceType: 'Patient', id, active: true }, request: { method: 'PUT', url: `Patient/${id}` } },
        { request: { method: 'DELETE', url: `Patient/${id}` } },
        post(patient(system, 'ordered')),
      ]),
    );
    const statuses = responseEntries(r).map((e) => e.response.status);
    // DELETE ran first (nothing there), then POST, then the PUT created it, then GET read it.
    expect(statuses).to.deep.equal(['200 OK', '201 Created', '204 No Content', '201 Created']);
    expect(responseEntries(r)[0]?.resource?.id).to.equal(id);
  });

  it('answers search entries with a searchset Bundle', async () => {
    const value = randomUUID();
    await fhirRequest(`${s.base}/Patient`, { method: 'POST', body: patient(system, value) });
    const r = await postBundle(s.base, bundle('batch', [{ request: { method: 'GET', url: `Patient?identifier=${system}|${value}` } }, { request: { method: 'GET', url: 'Patient?no-such-param=1&_count=0' } }]));
    const [found, lenient] = responseEntries(r);
    expect(found?.response.status).to.equal('200 OK');
    // unknown parameters are ignored (lenient handling) and reported in the searchset's outcome entry
    expect(lenient?.response.status).to.equal('200 OK');
    expect(JSON.stringify(lenient?.resource)).to.contain('no-such-param');
    const searchset = found?.resource as unknown as { type: string; entry: { resource: { identifier: { value: string }[] } }[] };
    expect(searchset.type).to.equal('searchset');
    expect(searchset.entry).to.have.length(1);
    expect(searchset.entry[0]?.resource.identifier[0]?.value).to.equal(value);
  });

  it('a reference to an entry that failed fails too, rather than pointing nowhere', async () => {
    const p = uuid();
    const r = await postBundle(s.base, bundle('batch', [post({ resourceType: 'Patient', gender: 'bad' }, p), post(observation(p))]));
    const [pat, obs] = responseEntries(r);
    expect(pat?.response.status).to.equal('422 Unprocessable Entity');
    expect(obs?.response.status).to.equal('400 Bad Request');
    expect(obs?.response.outcome?.issue[0]?.diagnostics).to.contain(p);
  });
});

import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { fhirRequest, firstIssue } from '../../helpers/http.js';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { bundle, countByIdentifier, historyRows, idOf, observation, patient, post, postBundle, responseEntries, uuid } from './helpers.js';

describe('Bundles: transaction', () => {
  let s: TestServer;
  const system = `urn:test:${randomUUID()}`;
  before(async () => {
    s = await startTestServer();
  });
  after(async () => {
    await s.close();
  });

  it('creates every entry, rewrites urn:uuid references and answers in request order', async () => {
    const p = uuid();
    const r = await postBundle(
      s.base,
      bundle('transaction', [post(observation(p)), post(patient(system, 'rewrite'), p), { request: { method: 'DELETE', url: `Patient/${randomUUID()}` } }]),
    );
    expect(r.status).to.equal(200);
    expect(r.body?.['type']).to.equal('transaction-response');
    const [obs, pat, del] = responseEntries(r);
    expect(obs?.response.status).to.equal('201 Created');
    expect(obs?.resource?.resourceType).to.equal('Observation');
    expect(pat?.resource?.resourceType).to.equal('Patient');
    expect(pat?.response).to.include({ etag: 'W/"1"' });
    expect(pat?.response.location).to.match(/^Patient\/[\w-]+\/_history\/1$/);
    expect(Date.parse(pat?.response.lastModified ?? '')).to.be.greaterThan(0);
    expect(del?.response.status).to.equal('204 No Content');
    const stored = await fhirRequest(`${s.base}/${idOf(obs)}`);
    expect(stored.body?.['subject']).to.deep.equal({ reference: idOf(pat) });
  });

  it('resolves circular urn:uuid references between entries', async () => {
    const [a, b] = [uuid(), uuid()];
    const link = (other: string): Record<string, unknown> => ({ link: [{ other: { reference: other }, type: 'seealso' }] });
    const r = await postBundle(s.base, bundle('transaction', [post(patient(system, 'a', link(b)), a), post(patient(system, 'b', link(a)), b)]));
    expect(r.status).to.equal(200);
    const [ea, eb] = responseEntries(r);
    const storedA = await fhirRequest(`${s.base}/${idOf(ea)}`);
    const storedB = await fhirRequest(`${s.base}/${idOf(eb)}`);
    expect((storedA.body?.['link'] as { other: { reference: string } }[])[0]?.other.reference).to.equal(idOf(eb));
    expect((storedB.body?.['link'] as { other: { reference: string } }[])[0]?.other.reference).to.equal(idOf(ea));
  });

  it('a bad entry in the middle rolls everything back and names the entry', async () => {
    const putId = randomUUID();
    const before = await historyRows(s.pool);
    const r = await postBundle(
      s.base,
      bundle('transaction', [
        post(patient(system, 'rollback-1')),
        { resource: { resourceType: 'Patient', id: putId, active: true }, request: { method: 'PUT', url: `Patient/${putId}` } },
        post({ resourceType: 'Patient', gender: 'not-a-gender' }),
        post(observation('Patient/whatever')),
      ]),
    );
    expect(r.status).to.equal(422);
    expect(r.body?.['resourceType']).to.equal('OperationOutcome');
    expect(firstIssue(r).expression?.[0]).to.equal('Bundle.entry[2]');
    expect(firstIssue(r).expression).to.include('Bundle.entry[2].resource.gender');
    expect(firstIssue(r).diagnostics).to.contain('Bundle.entry[2]');
    expect(await historyRows(s.pool)).to.equal(before);
    expect((await fhirRequest(`${s.base}/Patient/${putId}`)).status).to.equal(404);
  });

  it('conditional references: one match is resolved, none is 404 and several are 412, each naming the entry', async () => {
    const value = randomUUID();
    const one = await postBundle(s.base, bundle('transaction', [post(patient(system, value))]));
    const pid = idOf(responseEntries(one)[0]);
    const ok = await postBundle(s.base, bundle('transaction', [post(observation(`Patient?identifier=${system}|${value}`))]));
    expect(ok.status).to.equal(200);
    const obs = await fhirRequest(`${s.base}/${idOf(responseEntries(ok)[0])}`);
    expect(obs.body?.['subject']).to.deep.equal({ reference: pid });

    const before = await historyRows(s.pool);
    const none = await postBundle(s.base, bundle('transaction', [post(patient(system, 'x')), post(observation(`Patient?identifier=${system}|${randomUUID()}`))]));
    expect(none.status).to.equal(404);
    expect(firstIssue(none).expression?.[0]).to.equal('Bundle.entry[1]');

    const twice = randomUUID();
    await postBundle(s.base, bundle('batch', [post(patient(system, twice)), post(patient(system, twice))]));
    const several = await postBundle(s.base, bundle('transaction', [post(observation(`Patient?identifier=${system}|${twice}`))]));
    expect(several.status).to.equal(412);
    expect(firstIssue(several).code).to.equal('multiple-matches');
    expect(firstIssue(several).expression?.[0]).to.equal('Bundle.entry[0]');
    expect(await historyRows(s.pool)).to.equal(before + 2);
  });

  it('a conditional reference sees plain creates earlier in the same transaction (stored together, but before it)', async () => {
    const value = randomUUID();
    const r = await postBundle(s.base, bundle('transaction', [post(patient(system, value)), post(observation(`Patient?identifier=${system}|${value}`))]));
    expect(r.status).to.equal(200);
    const [pat, obs] = responseEntries(r);
    const stored = await fhirRequest(`${s.base}/${idOf(obs)}`);
    expect(stored.body?.['subject']).to.deep.equal({ reference: idOf(pat) });
    // A conditional reference to a type no waiting create has does not split the run, and still resolves.
    const many = await postBundle(
      s.base,
      bundle('transaction', [post(observation(`Patient?identifier=${system}|${value}`)), post(observation(`Patient?identifier=${system}|${value}`))]),
    );
    expect(many.status).to.equal(200);
    for (const e of responseEntries(many)) expect((await fhirRequest(`${s.base}/${idOf(e)}`)).body?.['subject']).to.deep.equal({ reference: idOf(pat) });
  });


  it('long runs of plain creates: a bad entry after runs already sent to the database still rolls everything back', async () => {
    const before = await historyRows(s.pool);
    // 250 creates make one statement; the first runs are stored while later entries are prepared.
    const entries = Array.from({ length: 600 }, (_, i) => post(patient(system, `long-${i}`)));
    entries[560] = post({ resourceType: 'Patient', gender: 'not-a-gender' });
    const r = await postBundle(s.base, bundle('transaction', entries));
    expect(r.status).to.equal(422);
    expect(firstIssue(r).expression?.[0]).to.equal('Bundle.entry[560]');
    expect(await historyRows(s.pool)).to.equal(before);
  });

  it('long runs of plain creates: a conditional reference right after a full run finds a create of that run', async () => {
    const value = randomUUID();
    const entries = Array.from({ length: 250 }, (_, i) => post(patient(system, i === 7 ? value : `run-${i}`)));
    entries.push(post(observation(`Patient?identifier=${system}|${value}`)));
    const r = await postBundle(s.base, bundle('transaction', entries));
    expect(r.status).to.equal(200);
    const all = responseEntries(r);
    const stored = await fhirRequest(`${s.base}/${idOf(all[250])}`);
    expect(stored.body?.['subject']).to.deep.equal({ reference: idOf(all[7]) });
  });
  it('PUT and DELETE of the same resource in one transaction fail (a resource appears once)', async () => {
    const id = randomUUID();
    const before = await historyRows(s.pool);
    const r = await postBundle(
      s.base,
      bundle('transaction', [
        { resource: { resourceType: 'Patient', id, active: true }, request: { method: 'PUT', url: `Patient/${id}` } },
        { request: { method: 'DELETE', url: `Patient/${id}` } },
      ]),
    );
    expect(r.status).to.equal(400);
    expect(firstIssue(r).diagnostics).to.contain(`Patient/${id}`).and.contain('only appear in a transaction once');
    expect(firstIssue(r).expression?.[0]).to.match(/^Bundle\.entry\[[01]\]$/);
    expect(await historyRows(s.pool)).to.equal(before);
  });

  it('an unknown parameter in ifNoneExist or in a conditional update URL: 400 naming the entry and the criteria, nothing written', async () => {
    const before = await historyRows(s.pool);
    const create = await postBundle(s.base, bundle('transaction', [post(patient(system, 'ine-ok')), post(patient(system, 'ine-bad'), uuid(), 'no-such-parameter=1')]));
    expect(create.status).to.equal(400);
    const issue = firstIssue(create);
    expect(issue.code).to.equal('invalid');
    expect(issue.expression).to.deep.equal(['Bundle.entry[1]']);
    expect(issue.diagnostics).to.contain('Bundle.entry[1] (POST Patient)').and.contain("Conditional criteria 'no-such-parameter=1'").and.contain("Unknown search parameter 'no-such-parameter'");
    expect(issue.diagnostics).not.to.contain('Prefer');
    const update = await postBundle(
      s.base,
      bundle('transaction', [{ resource: patient(system, 'cu-bad'), request: { method: 'PUT', url: 'Patient?nonsense=x' } }]),
    );
    expect(update.status).to.equal(400);
    expect(firstIssue(update).expression).to.deep.equal(['Bundle.entry[0]']);
    expect(firstIssue(update).diagnostics).to.contain("Conditional criteria 'nonsense=x'");
    expect(await historyRows(s.pool)).to.equal(before);
  });

  it('refuses two entries with one fullUrl', async () => {
    const p = uuid();
    const r = await postBundle(s.base, bundle('transaction', [post(patient(system, 'dup-1'), p), post(patient(system, 'dup-2'), p)]));
    expect(r.status).to.equal(400);
    expect(firstIssue(r).expression?.[0]).to.equal('Bundle.entry[1]');
  });

  it('conditional create: an existing match is returned (200) and links to its fullUrl point at it', async () => {
    const value = randomUUID();
    const first = await postBundle(s.base, bundle('transaction', [post(patient(system, value), uuid(), `identifier=${system}|${value}`)]));
    expect(responseEntries(first)[0]?.response.status).to.equal('201 Created');
    const p = uuid();
    const again = await postBundle(s.base, bundle('transaction', [post(observation(p)), post(patient(system, value), p, `identifier=${system}|${value}`)]));
    const [obs, pat] = responseEntries(again);
    expect(pat?.response.status).to.equal('200 OK');
    expect(idOf(pat)).to.equal(idOf(responseEntries(first)[0]));
    const stored = await fhirRequest(`${s.base}/${idOf(obs)}`);
    expect(stored.body?.['subject']).to.deep.equal({ reference: idOf(pat) });
  });

  it('many conditional creates: matched together, the new ones stored with the plain creates, links and repeats resolved', async () => {
    const values = Array.from({ length: 30 }, (_, i) => `many-${String(i)}-${randomUUID()}`);
    const existing = new Map<string, string>();
    for (const [i, v] of values.entries()) {
      if (i % 3 !== 0) continue;
      existing.set(v, String((await fhirRequest(`${s.base}/Patient`, { method: 'POST', body: patient(system, v) })).body?.['id']));
    }
    const urls = values.map(() => uuid());
    const repeated = values[1] ?? '';
    const entries = [
      post(observation(urls[1] ?? '')), // names a patient created in this transaction
      post(observation(urls[0] ?? '')), // names one that exists already
      ...values.map((v, i) =>
        i === 1 ? post(patient(system, v, { active: true }), urls[i], `identifier=${system}|${v}&active=true`) : post(patient(system, v), urls[i], `identifier=${system}|${v}`),
      ),
      // The same criteria again, parameters in another order, then again as they were: the same resource, not a second one.
      post(patient(system, repeated, { active: true }), uuid(), `active=true&identifier=${system}|${repeated}`),
      post(patient(system, repeated, { active: true }), uuid(), `identifier=${system}|${repeated}&active=true`),
    ];
    const r = await postBundle(s.base, bundle('transaction', entries));
    expect(r.status, JSON.stringify(r.body).slice(0, 300)).to.equal(200);
    const out = responseEntries(r);
    for (const [i, v] of values.entries()) {
      const e = out[i + 2];
      const known = existing.get(v);
      expect(e?.response.status, v).to.equal(known === undefined ? '201 Created' : '200 OK');
      if (known !== undefined) expect(idOf(e)).to.equal(`Patient/${known}`);
      expect(await countByIdentifier(s.pool, 'Patient', system, v)).to.equal(1);
    }
    for (const repeat of out.slice(values.length + 2)) {
      expect(repeat.response.status).to.equal('200 OK');
      expect(idOf(repeat)).to.equal(idOf(out[3]));
    }
    expect((await fhirRequest(`${s.base}/${idOf(out[0])}`)).body?.['subject']).to.deep.equal({ reference: idOf(out[3]) });
    expect((await fhirRequest(`${s.base}/${idOf(out[1])}`)).body?.['subject']).to.deep.equal({ reference: `Patient/${existing.get(values[0] ?? '') ?? ''}` });
  });

  it('an invalid resource among conditional creates fails the transaction, naming it, and stores none of them', async () => {
    const values = Array.from({ length: 5 }, () => randomUUID());
    const before = await historyRows(s.pool);
    const entries = values.map((v, i) => post(i === 3 ? patient(system, v, { gender: 'not-a-gender' }) : patient(system, v), uuid(), `identifier=${system}|${v}`));
    const r = await postBundle(s.base, bundle('transaction', entries));
    expect(r.status).to.equal(422);
    expect(firstIssue(r).expression?.[0]).to.equal('Bundle.entry[3]');
    expect(await historyRows(s.pool)).to.equal(before);
    for (const v of values) expect(await countByIdentifier(s.pool, 'Patient', system, v)).to.equal(0);
  });

  it('conditional update and conditional delete', async () => {
    const value = randomUUID();
    const criteria = `Patient?identifier=${system}|${value}`;
    const put = (active: boolean): Record<string, unknown> => ({ resource: patient(system, value, { active }), request: { method: 'PUT', url: criteria } });
    const created = await postBundle(s.base, bundle('transaction', [put(true)]));
    expect(responseEntries(created)[0]?.response.status).to.equal('201 Created');
    const updated = await postBundle(s.base, bundle('transaction', [put(false)]));
    expect(responseEntries(updated)[0]?.response).to.include({ status: '200 OK', etag: 'W/"2"' });
    expect(idOf(responseEntries(updated)[0])).to.equal(idOf(responseEntries(created)[0]));
    const deleted = await postBundle(s.base, bundle('transaction', [{ request: { method: 'DELETE', url: criteria } }]));
    expect(responseEntries(deleted)[0]?.response).to.include({ status: '204 No Content', etag: 'W/"3"' });
    expect((await fhirRequest(`${s.base}/${idOf(responseEntries(created)[0])}`)).status).to.equal(410);
  });

  it('many conditional updates at once: each updates its match or creates, and links to them point at the ids they bound', async () => {
    const values = Array.from({ length: 5 }, () => randomUUID());
    const put = (v: string, fullUrl?: string): Record<string, unknown> => ({
      ...(fullUrl === undefined ? {} : { fullUrl }),
      resource: patient(system, v, { active: false }),
      request: { method: 'PUT', url: `Patient?identifier=${system}|${v}` },
    });
    const first = await postBundle(s.base, bundle('transaction', values.slice(0, 3).map((v) => put(v))));
    const existing = responseEntries(first).map(idOf);
    const urls = values.map(() => uuid());
    const r = await postBundle(s.base, bundle('transaction', [post(observation(urls[1] ?? '')), post(observation(urls[4] ?? '')), ...values.map((v, i) => put(v, urls[i]))]));
    expect(r.status).to.equal(200);
    const out = responseEntries(r);
    expect(out.slice(2).map((e) => e.response.status)).to.deep.equal(['200 OK', '200 OK', '200 OK', '201 Created', '201 Created']);
    expect(out.slice(2, 5).map(idOf)).to.deep.equal(existing);
    const subjects = await Promise.all(out.slice(0, 2).map(async (e) => (await fhirRequest(`${s.base}/${idOf(e)}`)).body));
    expect(subjects.map((o) => (o as { subject: { reference: string } }).subject.reference)).to.deep.equal([idOf(out[3]), idOf(out[6])]);
    for (const v of values) expect(await countByIdentifier(s.pool, 'Patient', system, v)).to.equal(1);
  });

  it('PATCH entries (JSON Patch in a Binary, FHIRPath Patch in Parameters) and GET entries that see the writes', async () => {
    const id = randomUUID();
    await fhirRequest(`${s.base}/Patient/${id}`, { method: 'PUT', body: { resourceType: 'Patient', id, active: true } });
    const jsonPatch = Buffer.from(JSON.stringify([{ op: 'replace', path: '/active', value: false }])).toString('base64');
    const r = await postBundle(
      s.base,
      bundle('transaction', [
        { request: { method: 'GET', url: `Patient/${id}` } },
        { resource: { resourceType: 'Binary', contentType: 'application/json-patch+json', data: jsonPatch }, request: { method: 'PATCH', url: `Patient/${id}` } },
        { request: { method: 'GET', url: `Patient/${id}/_history/1` } },
      ]),
    );
    expect(r.status).to.equal(200);
    const [read, patched, vread] = responseEntries(r);
    expect(patched?.response).to.include({ status: '200 OK', etag: 'W/"2"' });
    expect(read?.resource?.['active']).to.equal(false);
    expect(read?.response.etag).to.equal('W/"2"');
    expect(vread?.resource?.['active']).to.equal(true);
    const fhirPathPatch = {
      resourceType: 'Parameters',
      parameter: [{ name: 'operation', part: [{ name: 'type', valueCode: 'replace' }, { name: 'path', valueString: 'Patient.active' }, { name: 'value', valueBoolean: true }] }],
    };
    const r2 = await postBundle(s.base, bundle('transaction', [{ resource: fhirPathPatch, request: { method: 'PATCH', url: `Patient/${id}` } }]));
    expect(responseEntries(r2)[0]?.resource?.['active']).to.equal(true);
  });

  it('a conditional read entry sees the transaction\'s own write: 304 for the version it made, 200 for the one before', async () => {
    const created = await fhirRequest(`${s.base}/Patient`, { method: 'POST', body: patient(system, 'tx-cread') });
    const id = String(created.body?.['id']);
    const r = await postBundle(
      s.base,
      bundle('transaction', [
        { resource: { ...patient(system, 'tx-cread'), id, active: true }, request: { method: 'PUT', url: `Patient/${id}` } },
        { request: { method: 'GET', url: `Patient/${id}`, ifNoneMatch: 'W/"2"' } },
        { request: { method: 'GET', url: `Patient/${id}`, ifNoneMatch: 'W/"1"' } },
      ]),
    );
    expect(r.status).to.equal(200);
    const [, current, older] = responseEntries(r);
    expect(current?.response.status).to.equal('304 Not Modified');
    expect(current?.resource).to.equal(undefined);
    expect(older?.response.status).to.equal('200 OK');
    expect(older?.resource?.['active']).to.equal(true);
  });

  it('search entries run after the writes and see them', async () => {
    const value = randomUUID();
    const r = await postBundle(
      s.base,
      bundle('transaction', [{ request: { method: 'GET', url: `Patient?identifier=${system}|${value}` } }, post(patient(system, value))]),
    );
    expect(r.status).to.equal(200);
    const [search, created] = responseEntries(r);
    const searchset = search?.resource as unknown as { type: string; entry: { resource: { id: string } }[] };
    expect(searchset.type).to.equal('searchset');
    expect(searchset.entry.map((e) => `Patient/${e.resource.id}`)).to.deep.equal([idOf(created)]);
  });

  it('a search entry that cannot run fails the transaction before it commits', async () => {
    const before = await historyRows(s.pool);
    const r = await postBundle(
      s.base,
      bundle('transaction', [post(patient(system, `search-fail-${randomUUID()}`)), { request: { method: 'GET', url: 'Patient?birthdate=not-a-date' } }]),
    );
    expect(r.status).to.equal(400);
    expect(firstIssue(r).expression?.[0]).to.equal('Bundle.entry[1]');
    expect(await historyRows(s.pool)).to.equal(before);
  });

  it('honours Prefer: return=minimal and return=OperationOutcome for every entry', async () => {
    const minimal = await postBundle(s.base, bundle('transaction', [post(patient(system, 'min'))]), { prefer: 'return=minimal' });
    const [m] = responseEntries(minimal);
    expect(m?.resource).to.equal(undefined);
    expect(m?.response.location).to.match(/^Patient\//);
    const oo = await postBundle(s.base, bundle('transaction', [post(patient(system, 'oo'))]), { prefer: 'return=OperationOutcome' });
    const [o] = responseEntries(oo);
    expect(o?.resource).to.equal(undefined);
    expect(o?.response.outcome?.issue[0]?.diagnostics).to.match(/^Created Patient\//);
  });

  it('refuses what is not a batch or transaction Bundle, and enforces the limits', async () => {
    expect((await postBundle(s.base, { resourceType: 'Patient' })).status).to.equal(400);
    expect((await postBundle(s.base, { resourceType: 'Bundle', type: 'collection', entry: [] })).status).to.equal(400);
    const empty = await postBundle(s.base, { resourceType: 'Bundle', type: 'transaction' });
    expect(empty.status).to.equal(200);
    expect(responseEntries(empty)).to.deep.equal([]);
    const small = await startTestServer({ bundleMaxEntries: 2, bundleMaxBytes: 2048 });
    try {
      const three = bundle('transaction', [post(patient(system, '1')), post(patient(system, '2')), post(patient(system, '3'))]);
      const tooMany = await postBundle(small.base, three);
      expect(tooMany.status).to.equal(413);
      expect(firstIssue(tooMany).expression).to.deep.equal(['Bundle.entry']);
      const big = bundle('transaction', [post(patient(system, 'x'.repeat(3000)))]);
      expect((await postBundle(small.base, big)).status).to.equal(413);
    } finally {
      await small.close();
    }
  });
});

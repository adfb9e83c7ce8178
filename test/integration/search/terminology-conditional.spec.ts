import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { fhirRequest, firstIssue } from '../../helpers/http.js';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { create, entries, ids, link, matchIds, search, sorted } from './support.js';

describe('search: :in / :below, conditional interactions on the engine, paging under writes, the debug switch', () => {
  let s: TestServer;
  const tag = randomUUID().slice(0, 8);
  const sys = `urn:cs:${tag}`;
  const obs = (c: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
    resourceType: 'Observation',
    status: 'final',
    code: { coding: [{ system: sys, code: c }] },
    ...extra,
  });

  before(async () => {
    s = await startTestServer({ searchExplain: true });
  });
  after(() => s.close());

  it(':in and :not-in expand a ValueSet the server holds', async () => {
    await create(s.base, {
      resourceType: 'ValueSet',
      status: 'active',
      url: `http://example.org/vs/${tag}`,
      compose: { include: [{ system: sys, concept: [{ code: 'a' }, { code: 'b' }] }] },
    });
    const a = await create(s.base, obs('a'));
    const c = await create(s.base, obs('c'));
    expect(await ids(s.base, `Observation?code:in=http://example.org/vs/${tag}`)).to.deep.equal([a]);
    expect(await ids(s.base, `Observation?code:not-in=http://example.org/vs/${tag}&code=${sys}|a,${sys}|c`)).to.deep.equal([c]);
    const unknown = await search(s.base, `Observation?code:in=http://example.org/vs/none-${tag}`);
    expect(unknown.status).to.equal(400);
    expect(firstIssue(unknown).expression).to.deep.equal(['code:in']);
  });

  it(':below and :above walk a CodeSystem hierarchy the server holds', async () => {
    const h = `${sys}/h`;
    await create(s.base, {
      resourceType: 'CodeSystem',
      status: 'active',
      content: 'complete',
      url: h,
      concept: [{ code: 'root', concept: [{ code: 'child', concept: [{ code: 'grand' }] }] }, { code: 'other' }],
    });
    const made: Record<string, string> = {};
    for (const c of ['root', 'child', 'grand', 'other']) made[c] = await create(s.base, { ...obs(c), code: { coding: [{ system: h, code: c }] } });
    expect(await ids(s.base, `Observation?code:below=${h}|child`)).to.deep.equal(sorted([made['child']!, made['grand']!]));
    expect(await ids(s.base, `Observation?code:above=${h}|child`)).to.deep.equal(sorted([made['child']!, made['root']!]));
    // Without a known hierarchy, :below is the code itself.
    expect(await ids(s.base, `Observation?code:below=${sys}/unknown|x`)).to.deep.equal([]);
  });

  it('conditional create, update and delete take any search criteria (here a chain)', async () => {
    const fam = `Cond${tag}`;
    const pat = await create(s.base, { resourceType: 'Patient', name: [{ family: fam }] });
    const body = obs('cond', { subject: { reference: `Patient/${pat}` } });
    const criteria = `subject:Patient.name=${fam}&code=${sys}|cond`;
    const first = await fhirRequest(`${s.base}/Observation`, { method: 'POST', body, headers: { 'if-none-exist': criteria } });
    expect(first.status).to.equal(201);
    const again = await fhirRequest(`${s.base}/Observation`, { method: 'POST', body, headers: { 'if-none-exist': criteria } });
    expect(again.status).to.equal(200);
    const upd = await fhirRequest(`${s.base}/Observation?${criteria}`, { method: 'PUT', body: { ...body, status: 'amended' } });
    expect(upd.status).to.equal(200);
    expect(upd.body?.['id']).to.equal(first.body?.['id']);
    expect(await ids(s.base, `Observation?${criteria}&status=amended`)).to.deep.equal([String(first.body?.['id'])]);
    expect((await fhirRequest(`${s.base}/Observation?${criteria}`, { method: 'DELETE' })).status).to.equal(204);
    expect(await ids(s.base, `Observation?${criteria}`)).to.deep.equal([]);
    const bad = await fhirRequest(`${s.base}/Observation?subject:Patient.nonsense=x`, { method: 'DELETE' });
    expect(bad.status).to.equal(400);
  });

  it('keyset pages stay complete and duplicate-free while other clients write', async () => {
    const sysP = `urn:paging:${tag}`;
    const original: string[] = [];
    for (let i = 0; i < 24; i += 1) original.push(await create(s.base, obs('page', { identifier: [{ system: sysP, value: String(i) }] })));
    const state = { writing: true };
    const writer = (async () => {
      let n = 0;
      while (state.writing) {
        await create(s.base, obs('page', { identifier: [{ system: sysP, value: `new-${n}` }] }));
        const target = original[n % original.length] ?? '';
        await fhirRequest(`${s.base}/Observation/${target}`, { method: 'PUT', body: { ...obs('page', { identifier: [{ system: sysP, value: String(n % original.length) }] }), id: target, status: 'amended' } });
        n += 1;
      }
    })();
    const seen: string[] = [];
    let url: string | undefined = `${s.base}/Observation?identifier=${sysP}|&_count=4`;
    while (url !== undefined) {
      const r = await fhirRequest(url);
      seen.push(...matchIds(r));
      url = link(r, 'next');
      if (seen.length > 400) break;
    }
    state.writing = false;
    await writer;
    expect(new Set(seen).size).to.equal(seen.length);
    expect(seen.slice(0, 24)).to.deep.equal(original);
  });

  it('the SQL-plan debug switch answers _explain=true with an OperationOutcome holding the plans', async () => {
    const r = await search(s.base, `Observation?code=${sys}|a&_explain=true`);
    expect(r.body?.['resourceType']).to.equal('OperationOutcome');
    const text = JSON.stringify(r.body);
    expect(text).to.contain('SELECT r.sid');
    expect(text).to.match(/Index|Scan/);
    const off = await startTestServer();
    try {
      const plain = await search(off.base, `Observation?code=${sys}|a&_explain=true`);
      expect(plain.body?.['resourceType']).to.equal('Bundle');
      expect(entries(plain)).to.have.length(1);
    } finally {
      await off.close();
    }
  });
});

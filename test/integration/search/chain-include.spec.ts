import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { fhirRequest, firstIssue } from '../../helpers/http.js';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { create, entries, ids, matchIds, search, sorted } from './support.js';

/** Chaining, _has, _include / _revinclude, compartments and _list over a small known graph. */
describe('search: chaining, _has, includes, compartments, _list', () => {
  let s: TestServer;
  const tag = randomUUID().slice(0, 8);
  const code = `code-${tag}`;
  let org = '';
  let gp = '';
  let pat = '';
  let other = '';
  let enc = '';
  let ob1 = '';
  let ob2 = '';
  let ob3 = '';

  before(async () => {
    s = await startTestServer();
    org = await create(s.base, { resourceType: 'Organization', name: `Clinic${tag}` });
    gp = await create(s.base, { resourceType: 'Practitioner', name: [{ family: `Chainer${tag}` }] });
    pat = await create(s.base, {
      resourceType: 'Patient',
      name: [{ family: `Pat${tag}` }],
      generalPractitioner: [{ reference: `Practitioner/${gp}` }],
      managingOrganization: { reference: `Organization/${org}` },
    });
    other = await create(s.base, { resourceType: 'Patient', name: [{ family: `Other${tag}` }] });
    enc = await create(s.base, { resourceType: 'Encounter', status: 'finished', class: { code: 'AMB' }, subject: { reference: `Patient/${pat}` } });
    const obs = (subject: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
      resourceType: 'Observation',
      status: 'final',
      code: { coding: [{ system: 'urn:test', code }] },
      subject: { reference: `Patient/${subject}` },
      ...extra,
    });
    ob1 = await create(s.base, obs(pat, { performer: [{ reference: `Practitioner/${gp}` }] }));
    ob2 = await create(s.base, obs(pat, { encounter: { reference: `Encounter/${enc}` } }));
    ob3 = await create(s.base, obs(other));
  });
  after(() => s.close());

  it('chains one and two levels deep, with and without the :Type modifier', async () => {
    expect(await ids(s.base, `Observation?subject:Patient.name=Pat${tag}`)).to.deep.equal(sorted([ob1, ob2]));
    expect(await ids(s.base, `Observation?subject.name=Other${tag}`)).to.deep.equal([ob3]);
    expect(await ids(s.base, `Observation?subject:Patient.general-practitioner:Practitioner.name=Chainer${tag}`)).to.deep.equal(sorted([ob1, ob2]));
    expect(await ids(s.base, `Observation?patient.organization.name=Clinic${tag}`)).to.deep.equal(sorted([ob1, ob2]));
    expect(await ids(s.base, `Encounter?patient._id=${pat}`)).to.deep.equal([enc]);
  });

  it('a chain through a non-reference parameter is a 400; an unknown target parameter is ignored or strict 400', async () => {
    const bad = await search(s.base, `Observation?code.name=x`);
    expect(bad.status).to.equal(400);
    const unknown = await search(s.base, `Observation?subject:Patient.nonsense=x`, { prefer: 'handling=strict' });
    expect(unknown.status).to.equal(400);
  });

  it('_has, and nested _has', async () => {
    expect(await ids(s.base, `Patient?_has:Observation:patient:code=urn:test|${code}`)).to.deep.equal(sorted([other, pat]));
    expect(await ids(s.base, `Patient?_has:Observation:patient:performer=${gp}`)).to.deep.equal([pat]);
    expect(await ids(s.base, `Practitioner?_has:Patient:general-practitioner:_has:Observation:patient:encounter=${enc}`)).to.deep.equal([gp]);
    expect(await ids(s.base, `Encounter?_has:Observation:encounter:_id=${ob1}`)).to.deep.equal([]);
    expect((await search(s.base, '_has:Observation:patient=1'.replace(/^/, 'Patient?'))).status).to.equal(400);
  });

  it('_include (specific, *, :iterate) marks includes and never duplicates', async () => {
    const r = await search(s.base, `Observation?_id=${ob1},${ob2}&_include=Observation:subject&_include=Observation:patient`);
    expect(matchIds(r).sort()).to.deep.equal(sorted([ob1, ob2]));
    const inc = entries(r).filter((e) => e.search.mode === 'include');
    expect(inc.map((e) => `${e.resource.resourceType}/${e.resource.id}`)).to.deep.equal([`Patient/${pat}`]);
    const all = await search(s.base, `Observation?_id=${ob1}&_include=Observation:*`);
    expect(entries(all).filter((e) => e.search.mode === 'include').map((e) => e.resource.id).sort()).to.deep.equal(sorted([pat, gp]));
    const it = await search(s.base, `Observation?_id=${ob3},${ob2}&_include=Observation:subject&_include:iterate=Patient:general-practitioner&_include:iterate=Patient:organization`);
    expect(entries(it).filter((e) => e.search.mode === 'include').map((e) => e.resource.id).sort()).to.deep.equal(sorted([pat, other, gp, org]));
    const typed = await search(s.base, `Observation?_id=${ob1}&_include=Observation:performer:Organization`);
    expect(entries(typed).filter((e) => e.search.mode === 'include')).to.deep.equal([]);
  });

  it('_revinclude, and :iterate from what it added', async () => {
    const r = await search(s.base, `Patient?_id=${pat}&_revinclude=Observation:subject`);
    expect(entries(r).filter((e) => e.search.mode === 'include').map((e) => e.resource.id).sort()).to.deep.equal(sorted([ob1, ob2]));
    const it = await search(s.base, `Practitioner?_id=${gp}&_revinclude=Patient:general-practitioner&_revinclude:iterate=Encounter:subject`);
    expect(entries(it).filter((e) => e.search.mode === 'include').map((e) => e.resource.id).sort()).to.deep.equal(sorted([pat, enc]));
  });

  it('compartment search follows the R4 Patient CompartmentDefinition', async () => {
    expect(matchIds(await search(s.base, `Patient/${pat}/Observation`)).sort()).to.deep.equal(sorted([ob1, ob2]));
    expect(matchIds(await search(s.base, `Patient/${pat}/Observation?encounter=${enc}`))).to.deep.equal([ob2]);
    expect(matchIds(await search(s.base, `Patient/${pat}/Encounter`))).to.deep.equal([enc]);
    expect(matchIds(await search(s.base, `Practitioner/${gp}/Observation`))).to.deep.equal([ob1]);
    const notMember = await search(s.base, `Patient/${pat}/Organization`);
    expect(notMember.status).to.equal(400);
    expect(firstIssue(notMember).diagnostics).to.contain('compartment');
  });

  it('_list finds the items of a List', async () => {
    const list = await create(s.base, { resourceType: 'List', status: 'current', mode: 'working', entry: [{ item: { reference: `Observation/${ob3}` } }, { item: { reference: `Patient/${pat}` } }] });
    expect(await ids(s.base, `Observation?_list=${list}`)).to.deep.equal([ob3]);
    expect(await ids(s.base, `Patient?_list=${list}`)).to.deep.equal([pat]);
    expect((await search(s.base, 'Observation?_list=$current-allergies')).status).to.equal(400);
  });

  it('_tag, _security, _source and _lastUpdated', async () => {
    const id = await create(s.base, {
      resourceType: 'Observation',
      status: 'final',
      code: { text: 'meta' },
      meta: { tag: [{ system: 'urn:tags', code: `t-${tag}` }], security: [{ system: 'urn:sec', code: `s-${tag}` }], source: `urn:src:${tag}` },
    });
    expect(await ids(s.base, `Observation?_tag=urn:tags|t-${tag}`)).to.deep.equal([id]);
    expect(await ids(s.base, `Observation?_security=s-${tag}`)).to.deep.equal([id]);
    expect(await ids(s.base, `Observation?_source=urn:src:${tag}`)).to.deep.equal([id]);
    const read = await fhirRequest(`${s.base}/Observation/${id}`);
    const updated = String((read.body?.['meta'] as Record<string, unknown>)['lastUpdated']);
    expect(await ids(s.base, `Observation?_tag=urn:tags|t-${tag}&_lastUpdated=${encodeURIComponent(updated)}`)).to.deep.equal([id]);
    expect(await ids(s.base, `Observation?_tag=urn:tags|t-${tag}&_lastUpdated=gt${encodeURIComponent(updated)}`)).to.deep.equal([]);
    expect(await ids(s.base, `Observation?_tag=urn:tags|t-${tag}&_lastUpdated=le${encodeURIComponent(updated)}`)).to.deep.equal([id]);
  });
});

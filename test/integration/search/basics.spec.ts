import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { fhirRequest, firstIssue } from '../../helpers/http.js';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { create, entries, ids, link, matchIds, search, sorted } from './support.js';

describe('search: basics, paging and result parameters', () => {
  let s: TestServer;
  const tag = randomUUID();
  const sys = `urn:test:${tag}`;
  const patients: string[] = [];

  const body = (i: number): Record<string, unknown> => ({
    resourceType: 'Patient',
    identifier: [{ system: sys, value: `mrn-${i}` }],
    name: [{ family: `Fam${i % 3}`, given: [`Given${i}`] }],
    birthDate: `19${70 + i}-06-15`,
    gender: i % 2 === 0 ? 'female' : 'male',
    text: { status: 'generated', div: `<div xmlns="http://www.w3.org/1999/xhtml">Patient number ${i} zebra${tag.slice(0, 6)}</div>` },
  });

  before(async () => {
    s = await startTestServer();
    for (let i = 0; i < 7; i += 1) patients.push(await create(s.base, body(i)));
  });
  after(() => s.close());

  it('finds by token system|code, returning a searchset Bundle with self/first links', async () => {
    const r = await search(s.base, `Patient?identifier=${sys}|mrn-3`);
    expect(r.body?.['type']).to.equal('searchset');
    expect(matchIds(r)).to.deep.equal([patients[3]]);
    expect(r.body?.['total']).to.equal(1);
    expect(link(r, 'self')).to.contain('identifier=');
    expect(entries(r)[0]?.fullUrl).to.equal(`${s.base}/Patient/${patients[3]}`);
  });

  it('ANDs repeated parameters and ORs comma lists', async () => {
    expect(await ids(s.base, `Patient?identifier=${sys}|mrn-1,${sys}|mrn-2`)).to.deep.equal(sorted([patients[1]!, patients[2]!]));
    expect(await ids(s.base, `Patient?identifier=${sys}|&gender=male&birthdate=ge1973`)).to.deep.equal(sorted([patients[3]!, patients[5]!]));
  });

  it('pages with _count and keyset next/previous links that stay right while writes happen', async () => {
    const q = `Patient?identifier=${sys}|&_count=3`;
    const p1 = await search(s.base, q);
    expect(matchIds(p1)).to.deep.equal(patients.slice(0, 3));
    expect(link(p1, 'previous')).to.equal(undefined);
    // Writes between pages: a new match, an update of a later one, a delete of an earlier one.
    const late = await create(s.base, { resourceType: 'Patient', identifier: [{ system: sys, value: 'late' }] });
    await fhirRequest(`${s.base}/Patient/${patients[4]!}`, { method: 'PUT', body: { ...body(4), id: patients[4], active: true } });
    await fhirRequest(`${s.base}/Patient/${patients[0]!}`, { method: 'DELETE' });
    const p2 = await fhirRequest(String(link(p1, 'next')));
    expect(matchIds(p2)).to.deep.equal(patients.slice(3, 6));
    const p3 = await fhirRequest(String(link(p2, 'next')));
    expect(matchIds(p3)).to.deep.equal([patients[6], late]);
    expect(link(p3, 'next')).to.equal(undefined);
    const back = await fhirRequest(String(link(p3, 'previous')));
    expect(matchIds(back)).to.deep.equal(patients.slice(3, 6));
    // Restore the deleted one for the other tests.
    await fhirRequest(`${s.base}/Patient/${patients[0]!}`, { method: 'PUT', body: { ...body(0), id: patients[0] } });
    await fhirRequest(`${s.base}/Patient/${late}`, { method: 'DELETE' });
  });

  it('sorts by several keys, descending with -', async () => {
    const r = await search(s.base, `Patient?identifier=${sys}|&_sort=family,-birthdate`);
    expect(matchIds(r)).to.deep.equal([patients[6], patients[3], patients[0], patients[4], patients[1], patients[5], patients[2]]);
    const byUpdated = await search(s.base, `Patient?identifier=${sys}|&_sort=-_lastUpdated&_count=1`);
    expect(matchIds(byUpdated)).to.deep.equal([patients[0]]);
  });

  it('pages through a sorted result without gaps or repeats', async () => {
    const seen: string[] = [];
    let url: string | undefined = `${s.base}/Patient?identifier=${sys}|&_sort=-birthdate&_count=2`;
    while (url !== undefined) {
      const r = await fhirRequest(url);
      seen.push(...matchIds(r));
      url = link(r, 'next');
    }
    expect(seen).to.deep.equal([...patients].reverse());
  });

  it('_total: accurate counts, none omits, estimate gives a number; _summary=count gives only the count', async () => {
    const accurate = await search(s.base, `Patient?identifier=${sys}|&_count=2&_total=accurate`);
    expect(accurate.body?.['total']).to.equal(7);
    expect((await search(s.base, `Patient?identifier=${sys}|&_count=2`)).body?.['total']).to.equal(undefined);
    expect((await search(s.base, `Patient?identifier=${sys}|&_total=none`)).body?.['total']).to.equal(undefined);
    expect((await search(s.base, `Patient?identifier=${sys}|&_count=2&_total=estimate`)).body?.['total']).to.be.a('number');
    const count = await search(s.base, `Patient?identifier=${sys}|&_summary=count`);
    expect(count.body?.['total']).to.equal(7);
    expect(entries(count)).to.deep.equal([]);
  });

  it('_summary and _elements shape the resources (tagged SUBSETTED)', async () => {
    const r = await search(s.base, `Patient?identifier=${sys}|mrn-2&_elements=birthDate`);
    const res = entries(r)[0]?.resource ?? {};
    expect(Object.keys(res).sort()).to.deep.equal(['birthDate', 'id', 'meta', 'resourceType']);
    const t = await search(s.base, `Patient?identifier=${sys}|mrn-2&_summary=text`);
    expect(entries(t)[0]?.resource['text']).to.be.an('object');
    expect(entries(t)[0]?.resource['birthDate']).to.equal(undefined);
  });

  it('_text and _content search the narrative and the whole resource', async () => {
    await s.contentIndexed(); // _content rows are written in the background (SEARCH_CONTENT_DEFERRED)
    expect(await ids(s.base, `Patient?_text=zebra${tag.slice(0, 6)}&identifier=${sys}|mrn-5`)).to.deep.equal([patients[5]]);
    expect(await ids(s.base, `Patient?_content=Given4&identifier=${sys}|`)).to.deep.equal([patients[4]]);
  });

  it('POST [type]/_search with a form body and GET [base]?_type= (system search)', async () => {
    const r = await fhirRequest(`${s.base}/Patient/_search`, {
      method: 'POST',
      raw: `identifier=${encodeURIComponent(`${sys}|mrn-6`)}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(matchIds(r)).to.deep.equal([patients[6]]);
    const sysSearch = await search(s.base, `?_type=Patient,Practitioner&identifier=${sys}|mrn-6`);
    expect(matchIds(sysSearch)).to.deep.equal([patients[6]]);
  });

  it('ignores unknown parameters with an outcome entry, and refuses them with Prefer: handling=strict', async () => {
    const r = await search(s.base, `Patient?identifier=${sys}|mrn-1&nonsense=1`);
    expect(matchIds(r)).to.deep.equal([patients[1]]);
    const outcome = entries(r).find((e) => e.search.mode === 'outcome');
    expect(JSON.stringify(outcome?.resource)).to.contain('nonsense');
    const strict = await search(s.base, `Patient?identifier=${sys}|mrn-1&nonsense=1`, { prefer: 'handling=strict' });
    expect(strict.status).to.equal(400);
    expect(firstIssue(strict).expression).to.deep.equal(['nonsense']);
    const sort = await search(s.base, `Patient?identifier=${sys}|mrn-1&_sort=nonsense`, { prefer: 'handling=strict' });
    expect(sort.status).to.equal(400);
    const lenientSort = await search(s.base, `Patient?identifier=${sys}|mrn-1&_sort=nonsense`);
    expect(matchIds(lenientSort)).to.deep.equal([patients[1]]);
  });

  it('answers malformed values with 400 naming the parameter', async () => {
    for (const [q, param] of [
      ['Patient?birthdate=1970-13', 'birthdate'],
      ['Patient?birthdate=xx1970', 'birthdate'],
      ['Observation?value-quantity=abc', 'value-quantity'],
      ['Observation?code-value-quantity=1$2$3', 'code-value-quantity'],
      ['Patient?gender:exact=x', 'gender:exact'],
      ['Patient?_count=-1', '_count'],
      ['Patient?name:missing=maybe', 'name:missing'],
      ['Patient?_total=some', '_total'],
      ['Patient?_summary=all', '_summary'],
      ['Patient?_cursor=not-a-cursor', '_cursor'],
      ['Patient?_id:exact=1', '_id:exact'],
    ] as const) {
      const r = await search(s.base, q);
      expect(r.status, q).to.equal(400);
      expect(firstIssue(r).expression, q).to.deep.equal([param]);
    }
  });
});

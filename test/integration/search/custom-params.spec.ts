import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { fhirRequest, firstIssue } from '../../helpers/http.js';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { create, ids, sorted } from './support.js';

interface Param {
  name: string;
  valueString?: string;
  valueCode?: string;
  valueInteger?: number;
  valueUrl?: string;
}

const value = (body: Record<string, unknown> | undefined, name: string): string | number | undefined => {
  const p = ((body?.['parameter'] as Param[] | undefined) ?? []).find((x) => x.name === name);
  return p?.valueString ?? p?.valueCode ?? p?.valueInteger ?? p?.valueUrl;
};

describe('search: custom SearchParameters and $reindex', () => {
  let s: TestServer;
  const tag = randomUUID().slice(0, 8);
  const extUrl = `http://example.org/StructureDefinition/mmn-${tag}`;
  const code = `mmn${tag}`;
  const patient = (v: string): Record<string, unknown> => ({ resourceType: 'Patient', extension: [{ url: extUrl, valueString: v }] });

  before(async () => {
    s = await startTestServer();
  });
  after(() => s.close());

  it('a posted SearchParameter indexes new writes at once, $reindex back-fills older resources', async () => {
    const before = await create(s.base, patient(`Alpha${tag}`));
    const sp = await fhirRequest(`${s.base}/SearchParameter`, {
      method: 'POST',
      body: {
        resourceType: 'SearchParameter',
        url: `http://example.org/SearchParameter/${code}`,
        name: code,
        status: 'active',
        description: "mother's maiden name",
        code,
        base: ['Patient'],
        type: 'string',
        expression: `Patient.extension.where(url='${extUrl}').value.ofType(string)`,
      },
    });
    expect(sp.status, sp.text).to.equal(201);
    const after = await create(s.base, patient(`Alpha${tag}Two`));
    expect(await ids(s.base, `Patient?${code}=alpha${tag}`)).to.deep.equal([after]);

    const started = await fhirRequest(`${s.base}/Patient/$reindex`, { method: 'POST', body: { resourceType: 'Parameters' } });
    expect(started.status).to.equal(202);
    const job = String(value(started.body, 'job'));
    let state = String(value(started.body, 'state'));
    for (let i = 0; i < 200 && state === 'running'; i += 1) {
      await new Promise((r) => setTimeout(r, 50));
      const st = await fhirRequest(`${s.base}/$reindex-status?job=${job}`);
      expect(st.status).to.equal(200);
      state = String(value(st.body, 'state'));
      if (state === 'done') expect(value(st.body, 'processed')).to.equal(value(st.body, 'total'));
    }
    expect(state).to.equal('done');
    expect(await ids(s.base, `Patient?${code}=alpha${tag}`)).to.deep.equal(sorted([before, after]));
  });

  it('instance $reindex, and a custom parameter whose expression needs fhirpath.js', async () => {
    const token = `tok${tag}`;
    const p = await create(s.base, { resourceType: 'Patient', extension: [{ url: `${extUrl}-flag`, valueCode: 'yes' }] });
    const sp = await fhirRequest(`${s.base}/SearchParameter`, {
      method: 'POST',
      body: { resourceType: 'SearchParameter', url: `http://example.org/SearchParameter/${token}`, name: token, status: 'active', description: 'flag', code: token, base: ['Patient'], type: 'token', expression: `Patient.extension('${extUrl}-flag').value` },
    });
    expect(sp.status, sp.text).to.equal(201);
    expect(await ids(s.base, `Patient?${token}=yes`)).to.deep.equal([]);
    const one = await fhirRequest(`${s.base}/Patient/${p}/$reindex`, { method: 'POST', body: { resourceType: 'Parameters' } });
    expect(one.status).to.equal(200);
    expect(value(one.body, 'rows')).to.be.a('number');
    expect(await ids(s.base, `Patient?${token}=yes`)).to.deep.equal([p]);
    expect((await fhirRequest(`${s.base}/Patient/${randomUUID()}/$reindex`, { method: 'POST', body: { resourceType: 'Parameters' } })).status).to.equal(404);
  });

  it('refuses a SearchParameter whose expression cannot be evaluated, and an unknown job', async () => {
    const bad = await fhirRequest(`${s.base}/SearchParameter`, {
      method: 'POST',
      body: { resourceType: 'SearchParameter', url: `http://example.org/SearchParameter/bad${tag}`, name: 'bad', status: 'active', description: 'bad', code: `bad${tag}`, base: ['Patient'], type: 'string', expression: 'Patient.name.(' },
    });
    expect(bad.status).to.equal(400);
    expect(firstIssue(bad).expression).to.deep.equal(['SearchParameter.expression']);
    expect((await fhirRequest(`${s.base}/$reindex-status?job=${randomUUID()}`)).status).to.equal(404);
  });
});

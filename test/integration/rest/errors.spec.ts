import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { fhirRequest, firstIssue } from '../../helpers/http.js';
import { startTestServer, type TestServer } from '../../helpers/server.js';

describe('REST: errors are OperationOutcomes with the right status', () => {
  let s: TestServer;
  let id: string;
  before(async () => {
    s = await startTestServer({ maxBodyBytes: 4096 });
    id = randomUUID();
    await fhirRequest(`${s.base}/Patient/${id}`, { method: 'PUT', body: { resourceType: 'Patient', id, gender: 'male' } });
  });
  after(async () => {
    await s.close();
  });

  const expectUnchanged = async (): Promise<void> => {
    const r = await fhirRequest(`${s.base}/Patient/${id}`);
    expect(r.headers.get('etag')).to.equal('W/"1"');
    expect(r.body?.['gender']).to.equal('male');
  };

  it('400 for malformed JSON', async () => {
    const r = await fhirRequest(`${s.base}/Patient/${id}`, { method: 'PUT', raw: '{"resourceType": "Patient", ' });
    expect(r.status).to.equal(400);
    expect(r.body?.['resourceType']).to.equal('OperationOutcome');
    expect(firstIssue(r).code).to.equal('invalid');
    await expectUnchanged();
  });

  it('400 for a JSON body that is not an object, and for an empty body', async () => {
    expect((await fhirRequest(`${s.base}/Patient`, { method: 'POST', raw: '[1,2]' })).status).to.equal(400);
    expect((await fhirRequest(`${s.base}/Patient`, { method: 'POST', raw: '' })).status).to.be.oneOf([400, 415]);
    expect((await fhirRequest(`${s.base}/Patient`, { method: 'POST', raw: 'null' })).status).to.equal(400);
  });

  it('422 with the FHIRPath location for invalid content, and nothing changes', async () => {
    const r = await fhirRequest(`${s.base}/Patient/${id}`, {
      method: 'PUT',
      body: { resourceType: 'Patient', id, gender: 'woman', birthDate: '2023-02-30', foo: 1 },
    });
    expect(r.status).to.equal(422);
    const issues = r.body?.['issue'] as { expression?: string[] }[];
    const where = issues.flatMap((i) => i.expression ?? []);
    expect(where).to.include('Patient.gender');
    expect(where.some((e) => e.startsWith('Patient.birthDate'))).to.equal(true);
    expect(where.some((e) => e.includes('foo'))).to.equal(true);
    await expectUnchanged();
  });

  it('413 for a body over the limit', async () => {
    const big = { resourceType: 'Patient', id, name: [{ text: 'x'.repeat(10_000) }] };
    const r = await fhirRequest(`${s.base}/Patient/${id}`, { method: 'PUT', body: big });
    expect(r.status).to.equal(413);
    expect(firstIssue(r).code).to.equal('too-long');
    await expectUnchanged();
  });

  it('415 for an unsupported Content-Type', async () => {
    const r = await fhirRequest(`${s.base}/Patient`, {
      method: 'POST',
      raw: '<Patient xmlns="http://hl7.org/fhir"/>',
      headers: { 'content-type': 'application/fhir+xml' },
    });
    expect(r.status).to.equal(415);
    const form = await fhirRequest(`${s.base}/Patient`, {
      method: 'POST',
      raw: 'a=b',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(form.status).to.equal(415);
  });

  it('406 for a format we cannot produce, 200 for the JSON spellings', async () => {
    expect((await fhirRequest(`${s.base}/Patient/${id}?_format=xml`)).status).to.equal(406);
    expect((await fhirRequest(`${s.base}/Patient/${id}`, { headers: { accept: 'application/fhir+xml' } })).status).to.equal(406);
    expect((await fhirRequest(`${s.base}/Patient/${id}`, { headers: { accept: 'text/html' } })).status).to.equal(406);
    const json = await fhirRequest(`${s.base}/Patient/${id}?_format=json`);
    expect(json.status).to.equal(200);
    const plain = await fhirRequest(`${s.base}/Patient/${id}`, { headers: { accept: 'application/json' } });
    expect(plain.headers.get('content-type')).to.match(/^application\/json/);
    const any = await fhirRequest(`${s.base}/Patient/${id}`, { headers: { accept: '*/*' } });
    expect(any.headers.get('content-type')).to.match(/^application\/fhir\+json/);
  });

  it('405 for a method the URL does not support', async () => {
    const r = await fhirRequest(`${s.base}/Patient/${id}`, { method: 'POST', body: { resourceType: 'Patient' } });
    expect(r.status).to.equal(405);
    expect(r.body?.['resourceType']).to.equal('OperationOutcome');
  });

  it('400 for a malformed If-Match', async () => {
    const r = await fhirRequest(`${s.base}/Patient/${id}`, {
      method: 'PUT',
      body: { resourceType: 'Patient', id },
      headers: { 'if-match': 'banana' },
    });
    expect(r.status).to.equal(400);
    await expectUnchanged();
  });

  it('never answers 500 to hostile input', async () => {
    const inputs = ['{"resourceType":"Patient","id":"' + id + '","name":"notarray"}', '{"resourceType":7}', '"str"', '{}', '{"resourceType":"Patient","meta":5}'];
    for (const raw of inputs) {
      const r = await fhirRequest(`${s.base}/Patient/${id}`, { method: 'PUT', raw });
      expect(r.status, raw).to.be.within(400, 499);
    }
    const weird = await fhirRequest(`${s.base}/Patient/${encodeURIComponent('../../etc')}`);
    expect(weird.status).to.be.within(400, 499);
    await expectUnchanged();
  });
  it('422 for a string holding U+0000 (the database cannot store it), on every write path; searches for it are no 500 either', async () => {
    const nul = JSON.stringify({ resourceType: 'Patient', name: [{ family: 'a\u0000b' }] });
    const create = await fhirRequest(`${s.base}/Patient`, { method: 'POST', raw: nul });
    expect(create.status).to.equal(422);
    expect(firstIssue(create).expression).to.deep.equal(['Patient.name[0].family']);
    const update = await fhirRequest(`${s.base}/Patient/${id}`, { method: 'PUT', raw: JSON.stringify({ resourceType: 'Patient', id, name: [{ family: 'a\u0000b' }] }) });
    expect(update.status).to.equal(422);
    const patch = await fhirRequest(`${s.base}/Patient/${id}`, {
      method: 'PATCH',
      raw: JSON.stringify([{ op: 'add', path: '/name', value: [{ family: 'x\u0000' }] }]),
      headers: { 'content-type': 'application/json-patch+json' },
    });
    expect(patch.status).to.equal(422);
    const entry = { resource: { resourceType: 'Patient', name: [{ family: 'a\u0000b' }] }, request: { method: 'POST', url: 'Patient' } };
    const tx = await fhirRequest(s.base, { method: 'POST', raw: JSON.stringify({ resourceType: 'Bundle', type: 'transaction', entry: [entry] }) });
    expect(tx.status).to.equal(422);
    expect(firstIssue(tx).expression?.[0]).to.equal('Bundle.entry[0]');
    // A backslash followed by the text u0000 is an ordinary string.
    const text = await fhirRequest(`${s.base}/Patient`, { method: 'POST', raw: JSON.stringify({ resourceType: 'Patient', name: [{ family: 'a\\u0000b' }] }) });
    expect(text.status).to.equal(201);
    for (const method of ['DELETE', 'PUT'] as const) {
      const r = await fhirRequest(`${s.base}/Patient?identifier=a%00b`, { method, ...(method === 'PUT' ? { body: { resourceType: 'Patient' } } : {}) });
      expect(r.status, `conditional ${method}`).to.equal(400);
    }
    for (const path of ['/Patient?name=a%00b', '/Patient/a%00b/Observation', '/Patient/a%00b', `/Patient/${id}/_history/1%00`, '/Observation?subject=Patient/a%00b']) {
      const r = await fhirRequest(`${s.base}${path}`);
      expect(r.status, path).to.be.within(200, 499);
    }
    await expectUnchanged();
  });
});

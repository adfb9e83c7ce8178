import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { fhirRequest, firstIssue } from '../../helpers/http.js';
import { startTestServer, type TestServer } from '../../helpers/server.js';

describe('REST: patch', () => {
  let s: TestServer;
  let id: string;
  before(async () => {
    s = await startTestServer();
  });
  beforeEach(async () => {
    id = randomUUID();
    await fhirRequest(`${s.base}/Patient/${id}`, {
      method: 'PUT',
      body: { resourceType: 'Patient', id, gender: 'male', name: [{ family: 'Doe', given: ['John'] }] },
    });
  });
  after(async () => {
    await s.close();
  });

  const jsonPatch = (ops: unknown, headers: Record<string, string> = {}): ReturnType<typeof fhirRequest> =>
    fhirRequest(`${s.base}/Patient/${id}`, {
      method: 'PATCH',
      raw: JSON.stringify(ops),
      headers: { 'content-type': 'application/json-patch+json', ...headers },
    });

  it('applies a JSON Patch and writes a new version', async () => {
    const r = await jsonPatch([
      { op: 'replace', path: '/gender', value: 'female' },
      { op: 'add', path: '/name/0/given/-', value: 'Jim' },
    ]);
    expect(r.status).to.equal(200);
    expect(r.headers.get('etag')).to.equal('W/"2"');
    const read = await fhirRequest(`${s.base}/Patient/${id}`);
    expect(read.body?.['gender']).to.equal('female');
    expect((read.body?.['name'] as { given: string[] }[])[0]?.given).to.deep.equal(['John', 'Jim']);
    const h = await fhirRequest(`${s.base}/Patient/${id}/_history`);
    expect(((h.body?.['entry'] ?? []) as { request: { method: string } }[])[0]?.request.method).to.equal('PATCH');
  });

  it('applies a FHIRPath Patch', async () => {
    const r = await fhirRequest(`${s.base}/Patient/${id}`, {
      method: 'PATCH',
      body: {
        resourceType: 'Parameters',
        parameter: [
          {
            name: 'operation',
            part: [
              { name: 'type', valueCode: 'replace' },
              { name: 'path', valueString: 'Patient.gender' },
              { name: 'value', valueCode: 'other' },
            ],
          },
        ],
      },
    });
    expect(r.status).to.equal(200);
    expect(r.body?.['gender']).to.equal('other');
  });

  it('validates the patched result (422) and leaves the resource unchanged', async () => {
    const r = await jsonPatch([{ op: 'replace', path: '/gender', value: 'woman' }]);
    expect(r.status).to.equal(422);
    expect(firstIssue(r).expression).to.include('Patient.gender');
    expect((await fhirRequest(`${s.base}/Patient/${id}`)).headers.get('etag')).to.equal('W/"1"');
  });

  it('422 for a failing test operation, 400 for a malformed patch document', async () => {
    expect((await jsonPatch([{ op: 'test', path: '/gender', value: 'female' }])).status).to.equal(422);
    expect((await jsonPatch({ op: 'replace' })).status).to.equal(400);
    expect((await jsonPatch([{ op: 'frobnicate', path: '/gender' }])).status).to.equal(400);
  });

  it('refuses to change the id, honours If-Match, and 404/410 on missing resources', async () => {
    expect((await jsonPatch([{ op: 'replace', path: '/id', value: 'other' }])).status).to.equal(400);
    expect((await jsonPatch([{ op: 'replace', path: '/gender', value: 'female' }], { 'if-match': 'W/"9"' })).status).to.equal(412);
    const missing = await fhirRequest(`${s.base}/Patient/${randomUUID()}`, {
      method: 'PATCH',
      raw: '[]',
      headers: { 'content-type': 'application/json-patch+json' },
    });
    expect(missing.status).to.equal(404);
    await fhirRequest(`${s.base}/Patient/${id}`, { method: 'DELETE' });
    expect((await jsonPatch([])).status).to.equal(410);
  });

  it('415 for a patch in an unsupported media type', async () => {
    const r = await fhirRequest(`${s.base}/Patient/${id}`, {
      method: 'PATCH',
      raw: '[]',
      headers: { 'content-type': 'text/plain' },
    });
    expect(r.status).to.equal(415);
  });
});

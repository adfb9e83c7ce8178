import { expect } from 'chai';
import { fhirRequest, firstIssue } from '../helpers/http.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

describe('operation dispatch', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
  });
  after(async () => {
    await s.close();
  });

  it('answers an unknown operation at any level with a 404 OperationOutcome', async () => {
    for (const path of ['$no-such-op', 'Patient/$no-such-op', 'Patient/abc/$no-such-op']) {
      const r = await fhirRequest(`${s.base}/${path}`);
      expect(r.status, path).to.equal(404);
      expect(firstIssue(r).code).to.equal('not-found');
    }
  });

  it('answers an operation on an unknown resource type with 404', async () => {
    const r = await fhirRequest(`${s.base}/Nope/$validate`, { method: 'POST', body: { resourceType: 'Parameters' } });
    expect(r.status).to.equal(404);
  });
});

import { expect } from 'chai';
import { fhirRequest } from '../helpers/http.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

describe('health and metrics', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
  });
  after(async () => {
    await s.close();
  });

  it('/healthz and /readyz answer 200', async () => {
    expect((await fetch(`${s.root}/healthz`)).status).to.equal(200);
    const ready = await fetch(`${s.root}/readyz`);
    expect(ready.status).to.equal(200);
  });

  it('/metrics counts requests by interaction', async () => {
    await fhirRequest(`${s.base}/metadata`);
    await fhirRequest(`${s.base}/Patient/does-not-exist`);
    const text = await (await fetch(`${s.root}/metrics`)).text();
    expect(text).to.match(/fhir_http_requests_total\{interaction="capabilities",method="GET",status="200"\} \d+/);
    expect(text).to.match(/fhir_http_requests_total\{interaction="read",method="GET",status="404"\} \d+/);
    expect(text).to.contain('fhir_http_request_duration_seconds_bucket');
  });

  it('echoes a sane X-Request-Id and replaces an unsafe one', async () => {
    const ok = await fetch(`${s.root}/healthz`, { headers: { 'x-request-id': 'abc-123' } });
    expect(ok.headers.get('x-request-id')).to.equal('abc-123');
    const bad = await fetch(`${s.root}/healthz`, { headers: { 'x-request-id': 'a b c' } });
    expect(bad.headers.get('x-request-id')).to.match(/^[0-9a-f-]{36}$/);
  });
});

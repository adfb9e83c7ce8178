import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { committedCapabilityStatement } from '../../server/fhir/conformance.js';
import { RESOURCE_TYPES } from '../../server/fhir/model/resource-types.js';
import { fhirRequest } from '../helpers/http.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

describe('capabilities', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
  });
  after(async () => {
    await s.close();
  });

  it('the committed CapabilityStatement is the one generated from the routes (npm run conformance:generate)', () => {
    const committed: unknown = JSON.parse(readFileSync(new URL('../../conformance/capability-statement.json', import.meta.url), 'utf8'));
    expect(committed).to.deep.equal(committedCapabilityStatement());
  });

  it('GET /fhir/metadata serves it with this server as implementation.url', async () => {
    const r = await fhirRequest(`${s.base}/metadata`);
    expect(r.status).to.equal(200);
    expect(r.body?.['resourceType']).to.equal('CapabilityStatement');
    expect(r.body?.['fhirVersion']).to.equal('4.0.1');
    expect((r.body?.['implementation'] as { url: string }).url).to.equal(s.base);
    const rest = (r.body?.['rest'] as { resource: { type: string; interaction: { code: string }[] }[] }[])[0];
    expect(rest?.resource).to.have.length(RESOURCE_TYPES.size);
    const patient = rest?.resource.find((x) => x.type === 'Patient');
    expect(patient?.interaction.map((i) => i.code)).to.include.members(['read', 'vread', 'update', 'patch', 'delete', 'create', 'history-instance', 'history-type']);
    // _content is indexed in the background by default: clients are told.
    const common = (r.body?.['rest'] as { searchParam: { name: string; documentation?: string }[] }[])[0]?.searchParam ?? [];
    expect(common.find((p) => p.name === '_content')?.documentation).to.contain('background');
  });
  it('declares SMART security (service code and oauth-uris, as the well-known file) only when tokens are required', async () => {
    const open = await fhirRequest(`${s.base}/metadata`);
    expect((open.body?.['rest'] as Record<string, unknown>[])[0]?.['security']).to.equal(undefined);
    const smart = await startTestServer({ authMode: 'smart' });
    try {
      const r = await fhirRequest(`${smart.base}/metadata`);
      expect(r.status).to.equal(200);
      const security = (r.body?.['rest'] as { security: { service: { coding: { code: string }[] }[]; extension: { url: string; extension: { url: string; valueUri: string }[] }[] } }[])[0]?.security;
      expect(security?.service[0]?.coding[0]?.code).to.equal('SMART-on-FHIR');
      const uris = Object.fromEntries((security?.extension[0]?.extension ?? []).map((e) => [e.url, e.valueUri]));
      const wellKnown = await fhirRequest(`${smart.base}/.well-known/smart-configuration`);
      expect(uris).to.deep.equal({
        authorize: wellKnown.body?.['authorization_endpoint'],
        token: wellKnown.body?.['token_endpoint'],
        introspect: wellKnown.body?.['introspection_endpoint'],
        revoke: wellKnown.body?.['revocation_endpoint'],
      });
    } finally {
      await smart.close();
    }
  });
});

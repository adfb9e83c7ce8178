import { expect } from 'chai';
import * as client from 'openid-client';
import { fhirRequest } from '../../helpers/http.js';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { authorize, createUser, discover, registerClient, withToken } from '../../helpers/smart.js';

describe('SMART App Launch: standalone launch with openid-client and the HTML pages', function () {
  this.timeout(60_000);
  let s: TestServer;
  let open: TestServer;
  const mine = `p-${Date.now().toString(36)}-a`;
  const other = `p-${Date.now().toString(36)}-b`;

  before(async () => {
    s = await startTestServer({ authMode: 'smart', logLevel: 'error' });
    open = await startTestServer();
    for (const id of [mine, other]) {
      await fhirRequest(`${open.base}/Patient/${id}`, { method: 'PUT', body: { resourceType: 'Patient', id, name: [{ family: id }] } });
      await fhirRequest(`${open.base}/Observation/${id}-obs`, {
        method: 'PUT',
        body: { resourceType: 'Observation', id: `${id}-obs`, status: 'final', code: { text: 'x' }, subject: { reference: `Patient/${id}` } },
      });
    }
  });
  after(async () => {
    await s.close();
    await open.close();
  });

  it('publishes the SMART configuration with every required field', async () => {
    const r = await fetch(`${s.base}/.well-known/smart-configuration`);
    expect(r.status).to.equal(200);
    expect(r.headers.get('content-type')).to.match(/^application\/json/);
    const doc = (await r.json()) as Record<string, unknown>;
    for (const k of ['issuer', 'jwks_uri', 'authorization_endpoint', 'token_endpoint', 'grant_types_supported', 'capabilities', 'code_challenge_methods_supported']) {
      expect(doc, k).to.have.property(k);
    }
    expect(doc['code_challenge_methods_supported']).to.deep.equal(['S256']);
    expect(doc['capabilities']).to.include.members(['launch-standalone', 'launch-ehr', 'client-public', 'sso-openid-connect', 'permission-v2']);
    expect(doc['issuer']).to.equal(`${s.root}/auth`);
  });

  it('answers 401 with WWW-Authenticate without a token, and serves metadata publicly', async () => {
    const r = await fhirRequest(`${s.base}/Patient/${mine}`);
    expect(r.status).to.equal(401);
    expect(r.headers.get('www-authenticate')).to.match(/^Bearer realm=/);
    expect(r.body?.['resourceType']).to.equal('OperationOutcome');
    expect((await fhirRequest(`${s.base}/metadata`)).status).to.equal(200);
  });

  it('completes a standalone patient launch and confines the token to the patient', async () => {
    const redirectUri = 'http://app.test/callback';
    const { clientId } = await registerClient(s.pool, { name: 'Patient app', kind: 'public', redirectUris: [redirectUri] });
    const user = await createUser(s.pool, 'patient', `Patient/${mine}`);
    const config = await discover(s, clientId);
    const tokens = await authorize(s, {
      config,
      redirectUri,
      scope: 'launch/patient openid fhirUser offline_access patient/*.rs',
      user,
    });
    expect(tokens.token_type.toLowerCase()).to.equal('bearer');
    expect((tokens as unknown as Record<string, unknown>)['patient']).to.equal(mine);
    expect(tokens.scope?.split(' ')).to.include.members(['openid', 'fhirUser', 'launch/patient', 'offline_access', 'patient/*.rs']);
    expect(tokens.refresh_token).to.be.a('string');
    const claims = tokens.claims();
    expect(claims?.['fhirUser']).to.equal(`${s.base}/Patient/${mine}`);
    const token = tokens.access_token;
    expect((await withToken(`${s.base}/Patient/${mine}`, token)).status).to.equal(200);
    expect((await withToken(`${s.base}/Observation/${mine}-obs`, token)).status).to.equal(200);
    expect((await withToken(`${s.base}/Patient/${other}`, token)).status).to.equal(403);
    expect((await withToken(`${s.base}/Observation/${other}-obs`, token)).status).to.equal(403);
    const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token ?? '');
    expect(refreshed.refresh_token).to.not.equal(tokens.refresh_token);
    expect((await withToken(`${s.base}/Patient/${mine}`, refreshed.access_token)).status).to.equal(200);
  });
});

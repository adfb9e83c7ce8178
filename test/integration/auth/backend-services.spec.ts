import { expect } from 'chai';
import { exportJWK, generateKeyPair } from 'jose';
import * as client from 'openid-client';
import { fhirRequest } from '../../helpers/http.js';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { discover, registerClient, withToken } from '../../helpers/smart.js';

/** SMART Backend Services (backend-services.html): client_credentials with private_key_jwt, as openid-client does it. */
describe('SMART Backend Services with openid-client (private_key_jwt RS384 and ES384)', function () {
  this.timeout(60_000);
  let s: TestServer;
  let open: TestServer;
  const patient = `bs-${Date.now().toString(36)}`;

  before(async () => {
    s = await startTestServer({ authMode: 'smart' });
    open = await startTestServer();
    await fhirRequest(`${open.base}/Patient/${patient}`, { method: 'PUT', body: { resourceType: 'Patient', id: patient } });
  });
  after(async () => {
    await s.close();
    await open.close();
  });

  for (const alg of ['RS384', 'ES384'] as const) {
    it(`issues a system token for an ${alg}-signed assertion, which reads, introspects and revokes`, async () => {
      const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
      const jwk = { ...(await exportJWK(publicKey)), alg, kid: `k-${alg}`, use: 'sig' };
      const { clientId } = await registerClient(s.pool, { name: `Backend ${alg}`, kind: 'backend', redirectUris: [], jwks: { keys: [jwk] }, scope: 'system/Patient.rs system/Observation.rs' });
      const config = await discover(s, clientId, client.PrivateKeyJwt(privateKey, { [client.modifyAssertion]: (header) => { header.kid = jwk.kid; } }));
      const tokens = await client.clientCredentialsGrant(config, { scope: 'system/Patient.rs system/Encounter.rs' });
      expect(tokens.scope).to.equal('system/Patient.rs');
      expect(tokens.expires_in).to.be.within(1, 300);
      const token = tokens.access_token;

      const reads = await Promise.all(Array.from({ length: 20 }, () => withToken(`${s.base}/Patient/${patient}`, token)));
      expect(reads.map((r) => r.status)).to.deep.equal(Array(20).fill(200));
      expect((await withToken(`${s.base}/Encounter/x`, token)).status).to.equal(403);
      expect((await withToken(`${s.base}/Patient/${patient}`, token, { method: 'PUT', body: { resourceType: 'Patient', id: patient } })).status).to.equal(403);

      const info = await client.tokenIntrospection(config, token);
      expect(info.active).to.equal(true);
      expect(info.client_id).to.equal(clientId);
      expect(info.scope).to.equal('system/Patient.rs');
      expect(info.exp).to.be.a('number');

      await client.tokenRevocation(config, token);
      expect((await client.tokenIntrospection(config, token)).active).to.equal(false);
      const after = await withToken(`${s.base}/Patient/${patient}`, token);
      expect(after.status).to.equal(401);
      expect(after.headers.get('www-authenticate')).to.match(/error="invalid_token"/);
    });
  }

  it('refuses an assertion signed with a key the client did not register', async () => {
    const registered = await generateKeyPair('ES384', { extractable: true });
    const other = await generateKeyPair('ES384', { extractable: true });
    const jwk = { ...(await exportJWK(registered.publicKey)), alg: 'ES384', kid: 'reg' };
    const { clientId } = await registerClient(s.pool, { name: 'Backend', kind: 'backend', redirectUris: [], jwks: { keys: [jwk] } });
    const config = await discover(s, clientId, client.PrivateKeyJwt(other.privateKey, { [client.modifyAssertion]: (h) => { h.kid = 'reg'; } }));
    let error: unknown;
    try {
      await client.clientCredentialsGrant(config, { scope: 'system/Patient.rs' });
    } catch (e) {
      error = e;
    }
    expect(error).to.be.instanceOf(client.ResponseBodyError);
    expect((error as client.ResponseBodyError).error).to.equal('invalid_client');
  });

  it('refuses scopes the client was not registered for', async () => {
    const { privateKey, publicKey } = await generateKeyPair('RS384', { extractable: true });
    const jwk = { ...(await exportJWK(publicKey)), alg: 'RS384', kid: 'only-patient' };
    const { clientId } = await registerClient(s.pool, { name: 'Narrow', kind: 'backend', redirectUris: [], jwks: { keys: [jwk] }, scope: 'system/Patient.rs' });
    const config = await discover(s, clientId, client.PrivateKeyJwt(privateKey, { [client.modifyAssertion]: (h) => { h.kid = 'only-patient'; } }));
    let error: unknown;
    try {
      await client.clientCredentialsGrant(config, { scope: 'system/Observation.rs' });
    } catch (e) {
      error = e;
    }
    expect((error as client.ResponseBodyError).error).to.equal('invalid_scope');
  });
});

import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair } from 'jose';
import * as client from 'openid-client';
import { firstIssue } from '../../helpers/http.js';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { discover, registerClient, withToken } from '../../helpers/smart.js';
import { bundle, historyRows, observation, patient, post, responseEntries, uuid } from './helpers.js';

/** Bundles under SMART (AUTH_MODE=smart): every entry is authorized on its own, by its method and URL. */
describe('Bundles: access control per entry', function () {
  this.timeout(60_000);
  let s: TestServer;
  let token: string;
  const system = `urn:test:${randomUUID()}`;

  before(async () => {
    s = await startTestServer({ authMode: 'smart' });
    const { privateKey, publicKey } = await generateKeyPair('ES384', { extractable: true });
    const jwk = { ...(await exportJWK(publicKey)), alg: 'ES384', kid: 'bundles' };
    const scope = 'system/Patient.cruds system/Observation.rs';
    const { clientId } = await registerClient(s.pool, { name: 'Bundle loader', kind: 'backend', redirectUris: [], jwks: { keys: [jwk] }, scope });
    const config = await discover(s, clientId, client.PrivateKeyJwt(privateKey, { [client.modifyAssertion]: (h) => { h.kid = 'bundles'; } }));
    token = (await client.clientCredentialsGrant(config, { scope })).access_token;
  });
  after(async () => {
    await s.close();
  });

  const postWithToken = (body: unknown): ReturnType<typeof withToken> => withToken(s.base, token, { method: 'POST', body });

  it('a transaction with one entry the token may not run fails as a whole with 403 naming it', async () => {
    const before = await historyRows(s.pool);
    const p = uuid();
    const r = await postWithToken(bundle('transaction', [post(patient(system, 'allowed'), p), post(observation(p))]));
    expect(r.status).to.equal(403);
    expect(firstIssue(r).expression?.[0]).to.equal('Bundle.entry[1]');
    expect(await historyRows(s.pool)).to.equal(before);
  });

  it('in a batch only the entry the token may not run is refused', async () => {
    const r = await postWithToken(bundle('batch', [post(patient(system, 'allowed-too')), post(observation('Patient/x'))]));
    expect(r.status).to.equal(200);
    expect(responseEntries(r).map((e) => e.response.status)).to.deep.equal(['201 Created', '403 Forbidden']);
  });

  it('in a batch, an entry refused after its write (a v2 scope restriction) fails alone; a create the token may not read back keeps its 201', async () => {
    // Batch entries share a transaction in groups (batch.ts); a refusal after the write must not take the others along.
    const { privateKey, publicKey } = await generateKeyPair('ES384', { extractable: true });
    const jwk = { ...(await exportJWK(publicKey)), alg: 'ES384', kid: 'labs' };
    const lab = 'http://terminology.hl7.org/CodeSystem/observation-category|laboratory';
    const scope = `system/Patient.cruds system/Observation.c?category=${lab}`;
    const { clientId } = await registerClient(s.pool, { name: 'Lab loader', kind: 'backend', redirectUris: [], jwks: { keys: [jwk] }, scope });
    const config = await discover(s, clientId, client.PrivateKeyJwt(privateKey, { [client.modifyAssertion]: (h) => { h.kid = 'labs'; } }));
    const labToken = (await client.clientCredentialsGrant(config, { scope })).access_token;
    const category = (code: string): Record<string, unknown> => ({
      category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code }] }],
    });
    const before = await historyRows(s.pool);
    const r = await withToken(s.base, labToken, {
      method: 'POST',
      body: bundle('batch', [
        post(patient(system, 'lab-1')),
        post(observation('Patient/x', category('laboratory'))),
        post(observation('Patient/x', category('vital-signs'))),
        post(patient(system, 'lab-2')),
      ]),
    });
    expect(r.status).to.equal(200);
    const entries = responseEntries(r);
    expect(entries.map((e) => e.response.status)).to.deep.equal(['201 Created', '201 Created', '403 Forbidden', '201 Created']);
    // Created, but not readable with this token: the outcome without the resource.
    expect(entries[1]?.response.location).to.match(/^Observation\//);
    expect(entries[1]?.resource).to.equal(undefined);
    expect(entries[2]?.response.outcome?.issue[0]?.diagnostics).to.contain('create');
    expect(await historyRows(s.pool)).to.equal(before + 3);
  });

  it('updates written together are each checked after the write: one the token may not make fails the transaction, naming it', async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES384', { extractable: true });
    const jwk = { ...(await exportJWK(publicKey)), alg: 'ES384', kid: 'upserts' };
    const scope = 'system/Patient.rs system/Patient.u?gender=female';
    const { clientId } = await registerClient(s.pool, { name: 'Upserts', kind: 'backend', redirectUris: [], jwks: { keys: [jwk] }, scope });
    const config = await discover(s, clientId, client.PrivateKeyJwt(privateKey, { [client.modifyAssertion]: (h) => { h.kid = 'upserts'; } }));
    const upserter = (await client.clientCredentialsGrant(config, { scope })).access_token;
    const values = [randomUUID(), randomUUID(), randomUUID()];
    const created = await postWithToken(bundle('transaction', values.map((v) => post(patient(system, v, { gender: 'female' })))));
    expect(created.status).to.equal(200);
    const upsert = (v: string, gender: string): Record<string, unknown> => ({
      resource: patient(system, v, { gender }),
      request: { method: 'PUT', url: `Patient?identifier=${system}|${v}` },
    });
    const before = await historyRows(s.pool);
    const refused = await withToken(s.base, upserter, { method: 'POST', body: bundle('transaction', values.map((v, i) => upsert(v, i === 1 ? 'male' : 'female'))) });
    expect(refused.status).to.equal(403);
    expect(firstIssue(refused).expression?.[0]).to.equal('Bundle.entry[1]');
    expect(await historyRows(s.pool)).to.equal(before);
    const allowed = await withToken(s.base, upserter, { method: 'POST', body: bundle('transaction', values.map((v) => upsert(v, 'female'))) });
    expect(allowed.status).to.equal(200);
    expect(responseEntries(allowed).map((e) => e.response.etag)).to.deep.equal(['W/"2"', 'W/"2"', 'W/"2"']);
  });

  it('entries the token may run all run', async () => {
    const r = await postWithToken(bundle('transaction', [post(patient(system, 'fine'))]));
    expect(r.status).to.equal(200);
    expect(responseEntries(r)[0]?.response.status).to.equal('201 Created');
  });

  it('GET / HEAD entries answered without the resource (HEAD, 304) are judged on the stored one: refused when the token may not see it', async () => {
    const tokenFor = async (kid: string, scope: string): Promise<string> => {
      const { privateKey, publicKey } = await generateKeyPair('ES384', { extractable: true });
      const jwk = { ...(await exportJWK(publicKey)), alg: 'ES384', kid };
      const { clientId } = await registerClient(s.pool, { name: kid, kind: 'backend', redirectUris: [], jwks: { keys: [jwk] }, scope });
      const config = await discover(s, clientId, client.PrivateKeyJwt(privateKey, { [client.modifyAssertion]: (h) => { h.kid = kid; } }));
      return (await client.clientCredentialsGrant(config, { scope })).access_token;
    };
    const categories = 'http://terminology.hl7.org/CodeSystem/observation-category';
    const writer = await tokenFor('obs-writer', 'system/Observation.cruds');
    const labOnly = await tokenFor('lab-reader', `system/Observation.rs?category=${categories}|laboratory`);
    const made = async (code: string): Promise<string> => {
      const body = { ...observation('Patient/x'), category: [{ coding: [{ system: categories, code }] }] };
      const r = await withToken(s.base, writer, { method: 'POST', body: bundle('transaction', [post(body)]) });
      return responseEntries(r)[0]?.response.location?.split('/_history')[0] ?? '';
    };
    const lab = await made('laboratory');
    const vitals = await made('vital-signs');
    const r = await withToken(s.base, labOnly, {
      method: 'POST',
      body: bundle('batch', [
        { request: { method: 'GET', url: lab, ifNoneMatch: 'W/"1"' } },
        { request: { method: 'HEAD', url: lab } },
        { request: { method: 'GET', url: vitals, ifNoneMatch: 'W/"1"' } },
        { request: { method: 'HEAD', url: vitals } },
        { request: { method: 'GET', url: vitals } },
      ]),
    });
    expect(r.status).to.equal(200);
    const entries = responseEntries(r);
    expect(entries.map((e) => e.response.status)).to.deep.equal(['304 Not Modified', '200 OK', '403 Forbidden', '403 Forbidden', '403 Forbidden']);
    expect(entries[2]?.response.etag).to.equal(undefined);
  });
});

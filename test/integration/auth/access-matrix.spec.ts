import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import * as client from 'openid-client';
import { tokenKey } from '../../../server/auth/store/pg-adapter.js';
import { fhirRequest, type FhirResponse, type RequestOptions } from '../../helpers/http.js';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { authorize, createUser, discover, registerClient } from '../../helpers/smart.js';

/**
 * The authorization matrix of issue #6: every interaction × every token state,
 * with the expected status, and no data of another patient in any response.
 */
const CAT = 'http://terminology.hl7.org/CodeSystem/observation-category';

interface Interaction {
  readonly name: string;
  readonly request: (ids: Ids) => { path: string; options: RequestOptions };
  /** Whether it changes B's data when allowed (checked unchanged after a refusal). */
  readonly writesB?: boolean;
}

interface Ids {
  readonly a: string;
  readonly b: string;
}

const obs = (id: string, patient: string, category: string): Record<string, unknown> => ({
  resourceType: 'Observation',
  id,
  status: 'final',
  category: [{ coding: [{ system: CAT, code: category }] }],
  code: { text: 'test' },
  subject: { reference: `Patient/${patient}` },
});

const INTERACTIONS: readonly Interaction[] = [
  { name: 'read', request: (i) => ({ path: `/Observation/${i.b}-lab`, options: {} }) },
  { name: 'vread', request: (i) => ({ path: `/Observation/${i.b}-lab/_history/1`, options: {} }) },
  { name: 'search', request: (i) => ({ path: `/Observation?subject=Patient/${i.b}`, options: {} }) },
  { name: 'history-instance', request: (i) => ({ path: `/Observation/${i.b}-lab/_history`, options: {} }) },
  { name: 'history-type', request: () => ({ path: '/Observation/_history?_count=200', options: {} }) },
  { name: 'history-system', request: () => ({ path: '/_history?_count=200', options: {} }) },
  { name: 'create', request: (i) => ({ path: '/Observation', options: { method: 'POST', body: obs('x', i.b, 'laboratory') } }) },
  { name: 'update', writesB: true, request: (i) => ({ path: `/Observation/${i.b}-lab`, options: { method: 'PUT', body: obs(`${i.b}-lab`, i.a, 'laboratory') } }) },
  {
    name: 'patch',
    writesB: true,
    request: (i) => ({
      path: `/Observation/${i.b}-lab`,
      options: { method: 'PATCH', raw: JSON.stringify([{ op: 'replace', path: '/status', value: 'amended' }]), headers: { 'content-type': 'application/json-patch+json' } },
    }),
  },
  { name: 'delete', writesB: true, request: (i) => ({ path: `/Observation/${i.b}-lab`, options: { method: 'DELETE' } }) },
  { name: 'operation', request: () => ({ path: '/Observation/$reindex', options: { method: 'POST', body: { resourceType: 'Parameters' } } }) },
  {
    name: 'transaction entry',
    writesB: true,
    request: (i) => ({
      path: '',
      options: {
        method: 'POST',
        body: { resourceType: 'Bundle', type: 'transaction', entry: [{ resource: obs(`${i.b}-lab`, i.a, 'laboratory'), request: { method: 'PUT', url: `Observation/${i.b}-lab` } }] },
      },
    }),
  },
];

describe('authorization matrix: every interaction × token state', function () {
  this.timeout(120_000);
  let s: TestServer;
  let s2: TestServer;
  let open: TestServer;
  const run = randomUUID().slice(0, 8);
  const ids: Ids = { a: `mx-${run}-a`, b: `mx-${run}-b` };
  const tokens: Record<string, string> = {};

  async function appToken(server: TestServer, role: 'patient' | 'clinician', fhirUser: string, scope: string): Promise<{ token: string; config: client.Configuration }> {
    const redirectUri = 'http://app.test/cb';
    const { clientId } = await registerClient(server.pool, { name: 'Matrix app', kind: 'public', redirectUris: [redirectUri] });
    const user = await createUser(server.pool, role, fhirUser);
    const config = await discover(server, clientId);
    const t = await authorize(server, { config, redirectUri, scope, user });
    return { token: t.access_token, config };
  }

  async function call(token: string | undefined, i: Interaction, authorization?: string): Promise<FhirResponse> {
    const { path, options } = i.request(ids);
    const header = authorization ?? (token === undefined ? undefined : `Bearer ${token}`);
    return fhirRequest(`${s.base}${path}`, { ...options, headers: { ...options.headers, ...(header === undefined ? {} : { authorization: header }) } });
  }

  async function bVersion(): Promise<number> {
    const r = await s.pool.query<{ version_id: number }>("SELECT version_id FROM resource WHERE resource_type = 'Observation' AND id = $1", [`${ids.b}-lab`]);
    return r.rows[0]?.version_id ?? 0;
  }

  before(async () => {
    s = await startTestServer({ authMode: 'smart', authTokenCacheSeconds: 0 });
    s2 = await startTestServer({ authMode: 'smart' });
    open = await startTestServer();
    for (const id of [ids.a, ids.b]) {
      await fhirRequest(`${open.base}/Patient/${id}`, { method: 'PUT', body: { resourceType: 'Patient', id, name: [{ family: id }] } });
      await fhirRequest(`${open.base}/Observation/${id}-lab`, { method: 'PUT', body: obs(`${id}-lab`, id, 'laboratory') });
      await fhirRequest(`${open.base}/Observation/${id}-vital`, { method: 'PUT', body: obs(`${id}-vital`, id, 'vital-signs') });
    }
    tokens['patient'] = (await appToken(s, 'patient', `Patient/${ids.a}`, 'launch/patient patient/*.cruds')).token;
    tokens['narrow'] = (await appToken(s, 'clinician', 'Practitioner/mx', 'user/Patient.rs')).token;
    tokens['lab-only'] = (await appToken(s, 'clinician', 'Practitioner/mx', `user/Observation.rs?category=${CAT}|laboratory`)).token;
    tokens['expired'] = (await appToken(s, 'clinician', 'Practitioner/mx', 'user/*.cruds')).token;
    tokens['wrong-audience'] = (await appToken(s2, 'clinician', 'Practitioner/mx', 'user/*.cruds')).token;
    const revoked = await appToken(s, 'clinician', 'Practitioner/mx', 'user/*.cruds');
    tokens['revoked'] = revoked.token;
    expect((await fhirRequest(`${s.base}/Patient/${ids.a}`, { headers: { authorization: `Bearer ${revoked.token}` } })).status).to.equal(200);
    await client.tokenRevocation(revoked.config, revoked.token);
    // Expiry, simulated: the stored token's exp moves into the past.
    await s.pool.query(
      `UPDATE auth_oidc SET expires_at = now() - interval '1 minute',
              payload = jsonb_set(payload, '{exp}', to_jsonb(extract(epoch FROM now())::int - 60))
        WHERE kind = 'AccessToken' AND id = $1`,
      [tokenKey(tokens['expired'] ?? '')],
    );
  });
  after(async () => {
    await s.close();
    await s2.close();
    await open.close();
  });

  const UNAUTHENTICATED: [string, (token: string | undefined) => string | undefined][] = [
    ['no token', () => undefined],
    ['malformed token', () => 'Bearer not a token!'],
    ['not a bearer scheme', () => 'Basic dXNlcjpwYXNz'],
    ['unknown token', () => `Bearer ${randomUUID()}${randomUUID()}`],
  ];

  for (const i of INTERACTIONS) {
    describe(i.name, () => {
      for (const [state, header] of UNAUTHENTICATED) {
        it(`${state}: 401 with WWW-Authenticate`, async () => {
          const r = await call(undefined, i, header(undefined));
          expect(r.status).to.equal(401);
          expect(r.headers.get('www-authenticate')).to.match(/^Bearer realm="/);
          expect(r.body?.['resourceType']).to.equal('OperationOutcome');
        });
      }
      for (const state of ['expired', 'revoked', 'wrong-audience']) {
        it(`${state} token: 401 invalid_token`, async () => {
          const before = await bVersion();
          const r = await call(tokens[state], i);
          expect(r.status).to.equal(401);
          expect(r.headers.get('www-authenticate')).to.match(/error="invalid_token"/);
          expect(await bVersion()).to.equal(before);
        });
      }

      it('insufficient scope: 403 (or, at system level, only what the scope covers)', async () => {
        const before = await bVersion();
        const r = await call(tokens['narrow'], i);
        if (i.name === 'history-system') {
          expect(r.status).to.equal(200);
          const types = ((r.body?.['entry'] ?? []) as { resource?: { resourceType: string } }[]).map((e) => e.resource?.resourceType);
          expect(types.every((t) => t === undefined || t === 'Patient')).to.equal(true);
        } else {
          expect(r.status).to.equal(403);
          expect(r.body?.['resourceType']).to.equal('OperationOutcome');
        }
        expect(await bVersion()).to.equal(before);
      });

      it("other patient's compartment: refused or filtered, and none of their data in the response", async () => {
        const before = await bVersion();
        const r = await call(tokens['patient'], i);
        if (['search', 'history-type', 'history-system'].includes(i.name)) expect(r.status).to.equal(200);
        else expect(r.status).to.equal(403);
        expect(r.text).to.not.include(`Patient/${ids.b}`);
        expect(r.text).to.not.include(`${ids.b}-`);
        expect(await bVersion()).to.equal(before);
      });

      it('v2 restriction (laboratory only): nothing outside it', async () => {
        const before = await bVersion();
        const r = await call(tokens['lab-only'], i);
        const readOnly = ['read', 'vread', 'search', 'history-instance', 'history-type'];
        if (readOnly.includes(i.name)) {
          expect(r.status).to.equal(200);
          expect(r.text).to.not.include('vital-signs');
        } else if (i.name === 'history-system') {
          expect(r.status).to.equal(200);
          expect(r.text).to.not.include('vital-signs');
          expect(r.text).to.not.include('"resourceType":"Patient"');
        } else {
          expect(r.status).to.equal(403);
        }
        expect(await bVersion()).to.equal(before);
      });
    });
  }

  it('the patient token does read, search and write inside its own compartment', async () => {
    const t = tokens['patient'] ?? '';
    const auth = { authorization: `Bearer ${t}` };
    expect((await fhirRequest(`${s.base}/Observation/${ids.a}-lab`, { headers: auth })).status).to.equal(200);
    const search = await fhirRequest(`${s.base}/Observation?subject=Patient/${ids.a}`, { headers: auth });
    expect(search.status).to.equal(200);
    expect(search.text).to.include(`${ids.a}-lab`);
    // A count over all patients' Observations would tell how much hidden data exists.
    const count = await fhirRequest(`${s.base}/Observation?_summary=count`, { headers: auth });
    expect(count.status).to.equal(200);
    expect(count.body).to.not.have.property('total');
    const created = await fhirRequest(`${s.base}/Observation`, { method: 'POST', body: obs('new', ids.a, 'survey'), headers: auth });
    expect(created.status).to.equal(201);
    const upd = await fhirRequest(`${s.base}/Observation/${ids.a}-vital`, { method: 'PUT', body: obs(`${ids.a}-vital`, ids.a, 'vital-signs'), headers: auth });
    expect(upd.status).to.equal(200);
    // Moving its own resource to another patient is refused, and nothing changes.
    const move = await fhirRequest(`${s.base}/Observation/${ids.a}-vital`, { method: 'PUT', body: obs(`${ids.a}-vital`, ids.b, 'vital-signs'), headers: auth });
    expect(move.status).to.equal(403);
    const still = await fhirRequest(`${open.base}/Observation/${ids.a}-vital`);
    expect(JSON.stringify(still.body)).to.include(`Patient/${ids.a}`);
  });

  it("a conditional create that matches another patient's resource reveals nothing", async () => {
    const headers = { authorization: `Bearer ${tokens['patient'] ?? ''}`, 'if-none-exist': `_id=${ids.b}-lab` };
    for (const prefer of ['return=minimal', 'return=representation']) {
      const r = await fhirRequest(`${s.base}/Observation`, { method: 'POST', body: obs('y', ids.a, 'survey'), headers: { ...headers, prefer } });
      expect(r.status).to.equal(403);
      expect(r.headers.get('location')).to.equal(null);
      expect(r.text).to.not.include(`${ids.b}-`);
    }
  });

  it('Bundles: a patient app writes its own data in a transaction, and a batch shows it only its own', async () => {
    const auth = { authorization: `Bearer ${tokens['patient'] ?? ''}` };
    const tx = await fhirRequest(s.base, {
      method: 'POST',
      headers: auth,
      body: { resourceType: 'Bundle', type: 'transaction', entry: [{ resource: obs('tx', ids.a, 'survey'), request: { method: 'POST', url: 'Observation' } }] },
    });
    expect(tx.status).to.equal(200);
    const batch = await fhirRequest(s.base, {
      method: 'POST',
      headers: auth,
      body: {
        resourceType: 'Bundle',
        type: 'batch',
        entry: [{ request: { method: 'GET', url: `Observation/${ids.a}-lab` } }, { request: { method: 'GET', url: `Observation/${ids.b}-lab` } }],
      },
    });
    expect(batch.status).to.equal(200);
    const entries = (batch.body?.['entry'] ?? []) as { resource?: { id?: string }; response?: { status?: string } }[];
    expect(entries[0]?.resource?.id).to.equal(`${ids.a}-lab`);
    expect(entries[1]?.resource).to.equal(undefined);
    expect(entries[1]?.response?.status).to.match(/^403/);
    expect(batch.text).to.not.include(`Patient/${ids.b}`);
  });

  it('the lab-only token reads laboratory results and not vital signs', async () => {
    const auth = { authorization: `Bearer ${tokens['lab-only'] ?? ''}` };
    expect((await fhirRequest(`${s.base}/Observation/${ids.a}-lab`, { headers: auth })).status).to.equal(200);
    expect((await fhirRequest(`${s.base}/Observation/${ids.a}-vital`, { headers: auth })).status).to.equal(403);
    const subset = await fhirRequest(`${s.base}/Observation/${ids.a}-vital?_elements=id`, { headers: auth });
    expect(subset.status).to.equal(403);
    const notModified = await fhirRequest(`${s.base}/Observation/${ids.a}-vital`, { headers: { ...auth, 'if-none-match': 'W/"1"' } });
    expect(notModified.status).to.equal(403);
  });
});

import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { fhirRequest } from '../../helpers/http.js';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import * as client from 'openid-client';
import { authorize, Browser, createUser, discover, formAction, registerClient, withToken } from '../../helpers/smart.js';

/** The audit trail: an AuditEvent (IHE BALP) per interaction, durable before the response, readable by admins only. */
interface Row {
  payload: { kind: string; action: string; outcome: string; interaction?: string; patients: string[]; resources: string[]; query?: string; agent: { username?: string; clientId?: string } };
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, ms = 10_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('audit trail (AuditEvent per interaction)', function () {
  this.timeout(60_000);
  let s: TestServer;
  let quiet: TestServer;
  let open: TestServer;
  const run = randomUUID().slice(0, 8);
  const patient = `au-${run}`;
  let clinician = '';
  let quietClinician = '';
  let admin = '';

  async function token(server: TestServer, role: 'clinician' | 'admin', scope: string): Promise<string> {
    const redirectUri = 'http://app.test/cb';
    const { clientId } = await registerClient(server.pool, { name: `Audit ${role}`, kind: 'public', redirectUris: [redirectUri] });
    const user = await createUser(server.pool, role, `Practitioner/${role}-${run}`);
    return (await authorize(server, { config: await discover(server, clientId), redirectUri, scope, user })).access_token;
  }

  async function outboxFor(requestId: string): Promise<Row | undefined> {
    const r = await quiet.pool.query<Row>("SELECT payload FROM outbox WHERE topic = 'audit' AND payload->>'requestId' = $1", [requestId]);
    return r.rows[0];
  }

  async function auditEventFor(requestId: string): Promise<Record<string, unknown> | undefined> {
    const r = await s.pool.query<{ json: Record<string, unknown> }>(
      `SELECT content AS json FROM resource WHERE resource_type = 'AuditEvent'
        AND content @> jsonb_build_object('entity', jsonb_build_array(jsonb_build_object('what', jsonb_build_object('identifier', jsonb_build_object('value', $1::text)))))`,
      [requestId],
    );
    return r.rows[0]?.json;
  }

  before(async () => {
    // While these tests run, no server's worker drains the (shared) outbox: records stay where the test can see them.
    quiet = await startTestServer({ authMode: 'smart', auditWorkerIntervalMs: 60_000 });
    open = await startTestServer();
    await fhirRequest(`${open.base}/Patient/${patient}`, { method: 'PUT', body: { resourceType: 'Patient', id: patient } });
    await fhirRequest(`${open.base}/Observation/${patient}-o`, {
      method: 'PUT',
      body: { resourceType: 'Observation', id: `${patient}-o`, status: 'final', code: { text: 'x' }, subject: { reference: `Patient/${patient}` } },
    });
    quietClinician = await token(quiet, 'clinician', 'user/*.cruds');
  });
  after(async () => {
    await quiet.close();
    await open.close();
  });

  it('has the read audit committed before the response arrives (nothing lost if the process dies)', async () => {
    const requestId = `rq-${randomUUID()}`;
    const r = await withToken(`${quiet.base}/Observation/${patient}-o`, quietClinician, { headers: { 'x-request-id': requestId } });
    expect(r.status).to.equal(200);
    // No waiting: the row is there the moment the client has its answer.
    const row = await outboxFor(requestId);
    expect(row?.payload.action).to.equal('R');
    expect(row?.payload.interaction).to.equal('read');
    expect(row?.payload.patients).to.deep.equal([patient]);
    expect(row?.payload.resources).to.deep.equal([`Observation/${patient}-o/_history/1`]);
  });

  it('audits a write in the same transaction, and a refused write as a failure', async () => {
    const requestId = `rq-${randomUUID()}`;
    const body = { resourceType: 'Observation', id: `${patient}-o`, status: 'amended', code: { text: 'x' }, subject: { reference: `Patient/${patient}` } };
    const w = await withToken(`${quiet.base}/Observation/${patient}-o`, quietClinician, { method: 'PUT', body, headers: { 'x-request-id': requestId } });
    expect(w.status).to.equal(200);
    const row = await outboxFor(requestId);
    expect(row?.payload.action).to.equal('U');
    expect(row?.payload.resources).to.deep.equal([`Observation/${patient}-o/_history/2`]);
    expect(row?.payload.patients).to.deep.equal([patient]);
    const denied = `rq-${randomUUID()}`;
    const r = await withToken(`${quiet.base}/AuditEvent/x`, quietClinician, { method: 'DELETE', headers: { 'x-request-id': denied } });
    expect(r.status).to.equal(403);
    const failure = await outboxFor(denied);
    expect(failure?.payload.outcome).to.equal('4');
  });

  it('records searches with the query and the patients whose data came back', async () => {
    const requestId = `rq-${randomUUID()}`;
    const r = await withToken(`${quiet.base}/Observation?subject=Patient/${patient}`, quietClinician, { headers: { 'x-request-id': requestId } });
    expect(r.status).to.equal(200);
    const row = await outboxFor(requestId);
    expect(row?.payload.interaction).to.equal('search-type');
    expect(row?.payload.query).to.equal(`subject=Patient/${patient}`);
    expect(row?.payload.patients).to.deep.equal([patient]);
  });

  it('records sign-ins, failed ones too, and token issue (never the password)', async () => {
    const redirectUri = 'http://app.test/cb';
    const { clientId } = await registerClient(quiet.pool, { name: 'Login audit', kind: 'public', redirectUris: [redirectUri] });
    const user = await createUser(quiet.pool, 'clinician', `Practitioner/la-${run}`);
    const config = await discover(quiet, clientId);
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri,
      scope: 'user/Patient.rs',
      code_challenge: await client.calculatePKCECodeChallenge(client.randomPKCECodeVerifier()),
      code_challenge_method: 'S256',
      aud: quiet.base,
    });
    const browser = new Browser();
    const page = await browser.follow(await browser.get(url.href), quiet.root);
    const html = await page.res.text();
    const wrong = await browser.post(new URL(formAction(html), quiet.root).href, { username: user.username, password: 'not-the-password', code: '' });
    expect(wrong.status).to.equal(401);
    const rows = await quiet.pool.query<Row>("SELECT payload FROM outbox WHERE topic = 'audit' AND payload->>'kind' = 'login' AND payload->'agent'->>'username' = $1", [user.username]);
    expect(rows.rows.map((r) => r.payload.outcome)).to.deep.equal(['4']);
    expect(JSON.stringify(rows.rows)).to.not.include('not-the-password');
    await authorize(quiet, { config, redirectUri, scope: 'user/Patient.rs', user });
    const issued = await quiet.pool.query<Row>(
      "SELECT payload FROM outbox WHERE topic = 'audit' AND payload->>'kind' IN ('login', 'token-issued') AND payload->'agent'->>'clientId' = $1",
      [clientId],
    );
    expect(issued.rows.map((r) => `${r.payload.kind}:${r.payload.outcome}`).sort()).to.deep.equal(['login:0', 'login:4', 'token-issued:0']);
  });

  describe('with a running audit worker', () => {
    before(async () => {
      s = await startTestServer({ authMode: 'smart', auditWorkerIntervalMs: 50 });
      clinician = await token(s, 'clinician', 'user/*.cruds');
      admin = await token(s, 'admin', 'user/*.cruds');
    });
    after(async () => {
      await s.close();
    });

    it('turns a read into a BALP AuditEvent naming the user, the client, the patient and the resource', async () => {
      const requestId = `rq-${randomUUID()}`;
      expect((await withToken(`${s.base}/Observation/${patient}-o`, clinician, { headers: { 'x-request-id': requestId } })).status).to.equal(200);
      const ev = await waitFor('the AuditEvent', () => auditEventFor(requestId));
      expect(ev['action']).to.equal('R');
      expect(ev['outcome']).to.equal('0');
      expect(ev['meta']).to.deep.include({ profile: ['https://profiles.ihe.net/ITI/BALP/StructureDefinition/IHE.BasicAudit.PatientRead'] });
      const text = JSON.stringify(ev);
      expect(text).to.include(`"reference":"Patient/${patient}"`);
      expect(text).to.match(new RegExp(`Observation/${patient}-o/_history/\\d+`));
      expect(text).to.include('"code":"110153"');
      expect(text).to.include('UserOauthAgent');
      expect(text).to.not.include(clinician);
    });

    it('lets admins read AuditEvents and nobody update or delete them', async () => {
      const requestId = `rq-${randomUUID()}`;
      await withToken(`${s.base}/Patient/${patient}`, clinician, { headers: { 'x-request-id': requestId } });
      const ev = await waitFor('the AuditEvent', () => auditEventFor(requestId));
      const id = String(ev['id']);
      expect((await withToken(`${s.base}/AuditEvent/${id}`, admin)).status).to.equal(200);
      expect((await withToken(`${s.base}/AuditEvent/${id}`, clinician)).status).to.equal(403);
      expect((await withToken(`${s.base}/AuditEvent/${id}`, admin, { method: 'PUT', body: { ...ev, outcome: '8' } })).status).to.equal(403);
      expect((await withToken(`${s.base}/AuditEvent/${id}`, admin, { method: 'DELETE' })).status).to.equal(403);
      const search = await withToken(`${s.base}/AuditEvent?patient=Patient/${patient}`, admin);
      expect(search.status).to.equal(200);
    });
  });
});

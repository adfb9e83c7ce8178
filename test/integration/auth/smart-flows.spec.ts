import { randomBytes, randomUUID } from 'node:crypto';
import { expect } from 'chai';
import * as client from 'openid-client';
import { checkAuthMode } from '../../../server/auth/auth-setup.js';
import { currentTotp } from '../../../server/auth/users/passwords.js';
import { SecretBox } from '../../../server/auth/users/secret-box.js';
import { loadConfig } from '../../../server/config/load.js';
import { fhirRequest } from '../../helpers/http.js';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { authorize, Browser, createUser, discover, formAction, offeredScopes, registerClient, withToken } from '../../helpers/smart.js';

/** The other launch styles and client types, the sign-in rules, and what survives a restart. */
describe('SMART flows: EHR launch, confidential clients, sign-in rules, several processes', function () {
  this.timeout(90_000);
  let s: TestServer;
  let open: TestServer;
  const run = randomUUID().slice(0, 8);
  const patient = `fl-${run}`;
  const encounter = `fl-${run}-enc`;
  const redirectUri = 'http://app.test/cb';

  async function startLogin(server: TestServer, config: client.Configuration, extra: Record<string, string> = {}): Promise<{ browser: Browser; html: string; res: Response }> {
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri,
      scope: 'openid fhirUser user/Patient.rs',
      code_challenge: await client.calculatePKCECodeChallenge(client.randomPKCECodeVerifier()),
      code_challenge_method: 'S256',
      aud: server.base,
      ...extra,
    });
    const browser = new Browser();
    const step = await browser.follow(await browser.get(url.href), server.root);
    return { browser, html: await step.res.text(), res: step.res };
  }

  before(async () => {
    s = await startTestServer({ authMode: 'smart', authLockoutThreshold: 3 });
    open = await startTestServer();
    await fhirRequest(`${open.base}/Patient/${patient}`, { method: 'PUT', body: { resourceType: 'Patient', id: patient, name: [{ given: ['Ada'], family: 'Lovelace' }] } });
    await fhirRequest(`${open.base}/Encounter/${encounter}`, {
      method: 'PUT',
      body: { resourceType: 'Encounter', id: encounter, status: 'finished', class: { code: 'AMB' }, subject: { reference: `Patient/${patient}` } },
    });
  });
  after(async () => {
    await s.close();
    await open.close();
  });

  it('runs an EHR launch: the EHR mints a launch value, the token carries patient, encounter and style', async () => {
    const backend = await registerClient(s.pool, { name: 'EHR', kind: 'public', redirectUris: [redirectUri] });
    const staff = await createUser(s.pool, 'clinician', `Practitioner/doc-${run}`);
    const ehrToken = (await authorize(s, { config: await discover(s, backend.clientId), redirectUri, scope: 'user/*.rs', user: staff })).access_token;
    const minted = await fetch(`${s.root}/auth/launch`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ehrToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ patient, encounter, fhirContext: ['DiagnosticReport/dr1'], need_patient_banner: false }),
    });
    expect(minted.status).to.equal(201);
    const { launch } = (await minted.json()) as { launch: string };

    const app = await registerClient(s.pool, { name: 'Launched app', kind: 'confidential', redirectUris: [redirectUri] });
    const config = await discover(s, app.clientId, client.ClientSecretBasic(app.secret ?? ''));
    const tokens = await authorize(s, { config, redirectUri, scope: 'launch openid fhirUser patient/*.rs', user: staff, launch });
    const body = tokens as unknown as Record<string, unknown>;
    expect(body['patient']).to.equal(patient);
    expect(body['encounter']).to.equal(encounter);
    expect(body['fhirContext']).to.deep.equal([{ reference: 'DiagnosticReport/dr1' }]);
    expect(body['need_patient_banner']).to.equal(false);
    expect(body['smart_style_url']).to.equal(`${s.root}/auth/smart-style.json`);
    expect(tokens.claims()?.['fhirUser']).to.equal(`${s.base}/Practitioner/doc-${run}`);
    expect((await withToken(`${s.base}/Encounter/${encounter}`, tokens.access_token)).status).to.equal(200);
    const introspected = await client.tokenIntrospection(config, tokens.access_token);
    expect(introspected.active).to.equal(true);
    expect(introspected['patient']).to.equal(patient);
    expect(introspected['fhirUser']).to.equal(`${s.base}/Practitioner/doc-${run}`);
    expect(String(introspected.scope).split(' ')).to.include.members(['launch', 'openid', 'fhirUser', 'patient/*.rs']);
    expect(Object.keys(introspected).some((k) => k.startsWith('__'))).to.equal(false);
    // Patients cannot mint launches.
    const bad = await fetch(`${s.root}/auth/launch`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(bad.status).to.equal(401);
  });

  it('offers a patient picker to staff for launch/patient, and lets users untick scopes', async () => {
    const app = await registerClient(s.pool, { name: 'Picker app', kind: 'public', redirectUris: [redirectUri] });
    const staff = await createUser(s.pool, 'front-desk', `Practitioner/fd-${run}`);
    const config = await discover(s, app.clientId);
    const tokens = await authorize(s, {
      config,
      redirectUri,
      scope: 'launch/patient patient/Patient.rs patient/Appointment.rs',
      user: staff,
      patient,
      untick: ['patient/Appointment.rs'],
    });
    expect((tokens as unknown as Record<string, unknown>)['patient']).to.equal(patient);
    expect(tokens.scope?.split(' ')).to.not.include('patient/Appointment.rs');
    expect((await withToken(`${s.base}/Patient/${patient}`, tokens.access_token)).status).to.equal(200);
  });

  it('shows plain HTML pages with labelled fields, in words a patient understands', async () => {
    const app = await registerClient(s.pool, { name: 'Words app', kind: 'public', redirectUris: [redirectUri] });
    const user = await createUser(s.pool, 'patient', `Patient/${patient}`);
    const config = await discover(s, app.clientId);
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri,
      scope: 'launch/patient patient/Observation.rs patient/MedicationRequest.read offline_access',
      code_challenge: await client.calculatePKCECodeChallenge(client.randomPKCECodeVerifier()),
      code_challenge_method: 'S256',
      aud: s.base,
    });
    const browser = new Browser();
    const login = await browser.follow(await browser.get(url.href), s.root);
    const loginHtml = await login.res.text();
    expect(login.res.headers.get('content-type')).to.match(/^text\/html/);
    expect(loginHtml).to.not.include('<script');
    expect(loginHtml).to.include('<label for="username">');
    expect(loginHtml).to.include('<label for="password">');
    const consent = await browser.follow(await browser.post(new URL(formAction(loginHtml), s.root).href, { username: user.username, password: user.password }), s.root);
    const html = await consent.res.text();
    expect(html).to.not.include('<script');
    expect(html).to.include('Read and search your test results, vital signs and other measurements');
    expect(html).to.include('Read and search your prescriptions');
    expect(html).to.include('Keep access after you sign out');
    expect(offeredScopes(html)).to.include.members(['patient/Observation.rs', 'offline_access']);
    const denied = await browser.follow(await browser.post(new URL(formAction(html), s.root).href, { decision: 'deny' }), s.root);
    expect(denied.url).to.match(/^http:\/\/app\.test\/cb\?error=access_denied/);
  });

  it('gives a RelatedPerson account the record of the patient it acts for', async () => {
    const rp = `fl-${run}-rp`;
    await fhirRequest(`${open.base}/RelatedPerson/${rp}`, { method: 'PUT', body: { resourceType: 'RelatedPerson', id: rp, patient: { reference: `Patient/${patient}` } } });
    const app = await registerClient(s.pool, { name: 'Proxy app', kind: 'public', redirectUris: [redirectUri] });
    const parent = await createUser(s.pool, 'patient', `RelatedPerson/${rp}`);
    const tokens = await authorize(s, { config: await discover(s, app.clientId), redirectUri, scope: 'launch/patient openid fhirUser patient/*.rs', user: parent });
    expect((tokens as unknown as Record<string, unknown>)['patient']).to.equal(patient);
    expect(tokens.claims()?.['fhirUser']).to.equal(`${s.base}/RelatedPerson/${rp}`);
    expect((await withToken(`${s.base}/Encounter/${encounter}`, tokens.access_token)).status).to.equal(200);
  });

  it('locks an account after repeated failures, and asks for the TOTP code when one is set up', async () => {
    const app = await registerClient(s.pool, { name: 'Lock app', kind: 'public', redirectUris: [redirectUri] });
    const config = await discover(s, app.clientId);
    const user = await createUser(s.pool, 'clinician', `Practitioner/lk-${run}`);
    for (let i = 0; i < 3; i += 1) {
      const { browser, html } = await startLogin(s, config);
      const r = await browser.post(new URL(formAction(html), s.root).href, { username: user.username, password: 'wrong' });
      expect(r.status).to.equal(401);
    }
    const { browser, html } = await startLogin(s, config);
    const locked = await browser.post(new URL(formAction(html), s.root).href, { username: user.username, password: user.password });
    expect(locked.status).to.equal(401);

    const mfa = await createUser(s.pool, 'clinician', `Practitioner/mfa-${run}`, { totp: true });
    const first = await startLogin(s, config);
    const noCode = await first.browser.post(new URL(formAction(first.html), s.root).href, { username: mfa.username, password: mfa.password });
    expect(noCode.status).to.equal(401);
    const tokens = await authorize(s, { config, redirectUri, scope: 'user/Patient.rs', user: mfa, totp: await currentTotp(mfa.totpSecret ?? '') });
    expect(tokens.access_token).to.be.a('string');
  });

  it('keeps TOTP seeds encrypted in the database, seals plain ones at start, and refuses a seed sealed with another key', async () => {
    const app = await registerClient(s.pool, { name: 'Seed app', kind: 'public', redirectUris: [redirectUri] });
    const config = await discover(s, app.clientId);
    const mfa = await createUser(s.pool, 'clinician', `Practitioner/seed-${run}`, { totp: true });
    const column = async (id: string): Promise<string> =>
      (await s.pool.query<{ totp_secret: string }>('SELECT totp_secret FROM auth_user WHERE id = $1', [id])).rows[0]?.totp_secret ?? '';
    const stored = await column(mfa.id);
    expect(stored).to.match(/^v1\./);
    expect(stored).to.not.include(mfa.totpSecret ?? '-');

    // A seed written in plain form (before sealing existed) is sealed when a server starts, and still works.
    await s.pool.query('UPDATE auth_user SET totp_secret = $2 WHERE id = $1', [mfa.id, mfa.totpSecret]);
    const second = await startTestServer({ authMode: 'smart' });
    try {
      expect(await column(mfa.id)).to.match(/^v1\./);
      const tokens = await authorize(s, { config, redirectUri, scope: 'user/Patient.rs', user: mfa, totp: await currentTotp(mfa.totpSecret ?? '') });
      expect(tokens.access_token).to.be.a('string');
    } finally {
      await second.close();
    }

    // Sealed with another key: the sign-in fails like a wrong code (401 page), not with a server error.
    await s.pool.query('UPDATE auth_user SET totp_secret = $2 WHERE id = $1', [mfa.id, new SecretBox(randomBytes(32)).seal(mfa.totpSecret ?? '')]);
    const { browser, html } = await startLogin(s, config);
    const r = await browser.post(new URL(formAction(html), s.root).href, { username: mfa.username, password: mfa.password, code: await currentTotp(mfa.totpSecret ?? '') });
    expect(r.status).to.equal(401);
  });

  it('treats a sign-in holding U+0000 as a wrong one (401 page), not a failed request', async () => {
    const app = await registerClient(s.pool, { name: 'Nul app', kind: 'public', redirectUris: [redirectUri] });
    const { browser, html } = await startLogin(s, await discover(s, app.clientId));
    const r = await browser.post(new URL(formAction(html), s.root).href, { username: 'a\u0000b', password: 'p\u0000', code: '\u0000' });
    expect(r.status).to.equal(401);
    expect(await r.text()).to.include('The username, password or code is not right');
  });

  it('refuses authorization requests without PKCE or with another aud', async () => {
    const app = await registerClient(s.pool, { name: 'Strict app', kind: 'public', redirectUris: [redirectUri] });
    const config = await discover(s, app.clientId);
    const noPkce = client.buildAuthorizationUrl(config, { redirect_uri: redirectUri, scope: 'user/Patient.rs', aud: s.base });
    const r1 = await fetch(noPkce, { redirect: 'manual' });
    expect(r1.headers.get('location')).to.match(/error=invalid_request/);
    const { res } = await startLogin(s, config, { aud: 'https://elsewhere.example/fhir' });
    expect(res.headers.get('location') ?? '').to.match(/error=invalid_request/);
  });

  it('keeps grants and tokens in PostgreSQL: a second process accepts them, and sees a revocation', async () => {
    const second = await startTestServer({ authMode: 'smart', baseUrl: s.base });
    try {
      const app = await registerClient(s.pool, { name: 'Shared app', kind: 'public', redirectUris: [redirectUri] });
      const user = await createUser(s.pool, 'clinician', `Practitioner/sh-${run}`);
      const config = await discover(s, app.clientId);
      const tokens = await authorize(s, { config, redirectUri, scope: 'user/Patient.rs offline_access', user });
      expect((await withToken(`${second.base}/Patient/${patient}`, tokens.access_token)).status).to.equal(200);
      const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token ?? '');
      expect((await withToken(`${second.base}/Patient/${patient}`, refreshed.access_token)).status).to.equal(200);
      // The rotated refresh token is spent: using it again revokes the whole grant (RFC 9700 4.14.2).
      let reuse: unknown;
      try {
        await client.refreshTokenGrant(config, tokens.refresh_token ?? '');
      } catch (e) {
        reuse = e;
      }
      expect((reuse as client.ResponseBodyError).error).to.equal('invalid_grant');
      const deadline = Date.now() + 5000;
      let status = 200;
      while (Date.now() < deadline && status === 200) {
        status = (await withToken(`${second.base}/Patient/${patient}`, refreshed.access_token)).status;
        if (status === 200) await new Promise((r) => setTimeout(r, 50));
      }
      expect(status).to.equal(401);
    } finally {
      await second.close();
    }
  });

  it('refuses AUTH_MODE=none unless HOST is a loopback address', () => {
    expect(() => checkAuthMode(loadConfig({ AUTH_MODE: 'none', HOST: '0.0.0.0' }))).to.throw(/AUTH_MODE=none is refused/);
    expect(() => checkAuthMode(loadConfig({ AUTH_MODE: 'none', HOST: '127.0.0.1' }))).to.not.throw();
    expect(() => checkAuthMode(loadConfig({ AUTH_MODE: 'none', HOST: '::1' }))).to.not.throw();
    expect(() => checkAuthMode(loadConfig({ HOST: '0.0.0.0' }))).to.not.throw();
  });
});

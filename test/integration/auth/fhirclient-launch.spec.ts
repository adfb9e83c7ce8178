import { expect } from 'chai';
import { startFhirclientApp, type FhirclientApp, type FhirclientAppResult } from '../../helpers/fhirclient-app.js';
import { formWith, submission } from '../../helpers/html-form.js';
import { fhirRequest } from '../../helpers/http.js';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { Browser, createUser, registerClient } from '../../helpers/smart.js';

/**
 * Issue #6, "real clients, unmodified": SMART's own JavaScript client library
 * (`fhirclient`, Node entry) completes a standalone launch against the server
 * (app-launch.html#launch-app-standalone-launch) with PKCE, the test playing the
 * user's browser: it follows the redirects, fills in the sign-in form and
 * approves the consent form as posted by a browser, and lands back on the app.
 */
describe('SMART App Launch: the fhirclient library completes a standalone launch', function () {
  this.timeout(30_000);
  const run = Date.now().toString(36);
  const mine = `fc-${run}-a`;
  const other = `fc-${run}-b`;
  let s: TestServer;
  let app: FhirclientApp | undefined;

  before(async () => {
    s = await startTestServer({ authMode: 'smart', logLevel: 'error' });
    const open = await startTestServer();
    try {
      for (const id of [mine, other]) {
        const r = await fhirRequest(`${open.base}/Patient/${id}`, { method: 'PUT', body: { resourceType: 'Patient', id, name: [{ family: `Family-${id}` }] } });
        expect(r.status).to.be.oneOf([200, 201]);
      }
    } finally {
      await open.close();
    }
  });
  after(async () => {
    await app?.close();
    await s.close();
  });

  it('authorizes with PKCE through the sign-in and consent pages, then reads the patient', async () => {
    const user = await createUser(s.pool, 'patient', `Patient/${mine}`);
    app = await startFhirclientApp(async (redirectUri) => {
      const { clientId } = await registerClient(s.pool, { name: 'fhirclient test app', kind: 'public', redirectUris: [redirectUri] });
      return { iss: s.base, clientId, scope: 'launch/patient openid fhirUser patient/*.rs', alsoRequest: `Patient/${other}` };
    });
    const browser = new Browser();

    // The app sends the browser to the authorize endpoint it discovered from the server's smart-configuration.
    const launched = await browser.get(app.launchUrl);
    expect(launched.status).to.equal(302);
    const authorizeUrl = new URL(launched.headers.get('location') ?? '');
    expect(authorizeUrl.href.startsWith(`${s.root}/auth/`)).to.be.true;
    expect(authorizeUrl.searchParams.get('code_challenge_method')).to.equal('S256');
    expect(authorizeUrl.searchParams.get('aud')).to.equal(s.base);
    const state = authorizeUrl.searchParams.get('state');
    expect(state).to.be.a('string').and.not.empty;

    const login = await browser.follow(await browser.get(authorizeUrl.href), s.root);
    expect(login.res.status).to.equal(200);
    const loginForm = formWith(await login.res.text(), 'password');
    expect(loginForm.method).to.equal('post');
    const signedIn = await browser.follow(
      await browser.post(new URL(loginForm.action, s.root).href, submission(loginForm, { fill: { username: user.username, password: user.password } })),
      s.root,
    );
    expect(signedIn.res.status).to.equal(200);
    const consentForm = formWith(await signedIn.res.text(), 'decision');
    const approved = await browser.follow(await browser.post(new URL(consentForm.action, s.root).href, submission(consentForm, { button: 'allow' })), s.root);

    const callback = new URL(approved.url);
    expect(`${callback.origin}${callback.pathname}`).to.equal(app.redirectUri);
    expect(callback.searchParams.get('state')).to.equal(state);
    expect(callback.searchParams.get('code')).to.be.a('string').and.not.empty;

    // The app's ready() exchanges the code (with the PKCE verifier it kept) and reads the patient.
    const done = await browser.get(callback.href);
    const text = await done.text();
    expect(done.status, text).to.equal(200);
    const result = JSON.parse(text) as FhirclientAppResult;
    expect(result.patientId).to.equal(mine);
    expect(result.patient['resourceType']).to.equal('Patient');
    expect(result.patient['id']).to.equal(mine);
    expect(result.patient['name']).to.deep.equal([{ family: `Family-${mine}` }]);
    expect(result.fhirUser).to.equal(`Patient/${mine}`);
    expect(result.scope?.split(' ')).to.include.members(['launch/patient', 'openid', 'fhirUser', 'patient/*.rs']);
    // The same client, asked for another patient's record, is refused.
    expect(result.alsoRequestStatus).to.equal(403);
  });
});

import { expect } from 'chai';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as client from 'openid-client';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, requireChromiumOrSkip } from '../../helpers/chromium.js';
import { fhirRequest } from '../../helpers/http.js';
import { startRedirectTarget, type RedirectTarget } from '../../helpers/redirect-target.js';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { createUser, discover, registerClient, withToken } from '../../helpers/smart.js';

/**
 * Issue #6: the sign-in and consent pages driven end to end in a real headless
 * Chromium, with JavaScript switched off and only the keyboard (type, Tab, Space,
 * Enter), from a SMART standalone launch's authorize URL to the app's redirect URI
 * (app-launch.html#obtain-authorization-code). Screenshots of both pages are kept
 * under test-artifacts/.
 */
const ARTIFACTS = fileURLToPath(new URL('../../../test-artifacts/', import.meta.url));

/** A short description of the element that has keyboard focus. */
async function focused(page: Page): Promise<string> {
  const el = page.locator(':focus');
  if ((await el.count()) === 0) return '(nothing)';
  const id = await el.getAttribute('id');
  if (id !== null) return `#${id}`;
  return `button:${(await el.innerText()).trim()}`;
}

/** Presses Tab until `target` has focus, returning the focus stops on the way (the tab order). */
async function tabTo(page: Page, target: string, max = 15): Promise<string[]> {
  const stops: string[] = [];
  for (let i = 0; i < max; i += 1) {
    await page.keyboard.press('Tab');
    const now = await focused(page);
    stops.push(now);
    if (now === target) return stops;
  }
  throw new Error(`Tab never reached ${target}; stops: ${stops.join(' → ')}`);
}

function isPng(path: string): boolean {
  return readFileSync(path).subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
}

describe('SMART sign-in and consent pages in headless Chromium (keyboard only, no JavaScript)', function () {
  this.timeout(30_000);
  const patient = `br-${Date.now().toString(36)}`;
  let s: TestServer | undefined;
  let target: RedirectTarget | undefined;
  let browser: Browser | undefined;

  before(async function () {
    requireChromiumOrSkip(this);
    s = await startTestServer({ authMode: 'smart', logLevel: 'error' });
    target = await startRedirectTarget();
    const open = await startTestServer();
    try {
      const r = await fhirRequest(`${open.base}/Patient/${patient}`, { method: 'PUT', body: { resourceType: 'Patient', id: patient, name: [{ family: 'Keyboard' }] } });
      expect(r.status).to.be.oneOf([200, 201]);
    } finally {
      await open.close();
    }
    browser = await launchChromium();
    mkdirSync(ARTIFACTS, { recursive: true });
    // So the PNG checks at the end see this run's screenshots, not an earlier run's.
    for (const f of ['browser-login.png', 'browser-consent.png']) rmSync(`${ARTIFACTS}${f}`, { force: true });
  });
  after(async () => {
    await browser?.close();
    await target?.close();
    await s?.close();
  });

  it('signs in and consents with the keyboard, lands on the redirect URI with code and state, and the code reads the patient', async () => {
    if (s === undefined || target === undefined || browser === undefined) throw new Error('setup did not run');
    const { clientId } = await registerClient(s.pool, { name: 'Keyboard Health', kind: 'public', redirectUris: [target.redirectUri] });
    const user = await createUser(s.pool, 'patient', `Patient/${patient}`);
    const config = await discover(s, clientId);
    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const authorizeUrl = client.buildAuthorizationUrl(config, {
      redirect_uri: target.redirectUri,
      scope: 'launch/patient openid fhirUser offline_access patient/Patient.rs patient/Observation.rs',
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      aud: s.base,
    });

    const context = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 800, height: 900 } });
    const page = await context.newPage();
    try {
      // Sign-in page: labelled fields, the username focused on arrival, a logical tab order.
      await page.goto(authorizeUrl.href);
      expect(await page.title()).to.equal('Sign in');
      expect(await page.locator('main').innerText()).to.include('Keyboard Health wants to use your health record');
      expect(await page.getByLabel('Username').getAttribute('id')).to.equal('username');
      expect(await page.getByLabel('Password').getAttribute('id')).to.equal('password');
      expect(await focused(page)).to.equal('#username');
      await page.keyboard.type(user.username);
      expect(await tabTo(page, '#password')).to.deep.equal(['#password']);
      await page.keyboard.type(user.password);
      expect(await tabTo(page, 'button:Sign in')).to.deep.equal(['#code', 'button:Sign in']);
      await page.screenshot({ path: `${ARTIFACTS}browser-login.png`, fullPage: true });
      await page.keyboard.press('Enter');

      // Consent page: every requested scope in plain words, none as a raw scope string.
      await page.getByRole('heading', { name: 'Allow Keyboard Health to use your record?' }).waitFor({ timeout: 10_000 });
      const text = await page.locator('main').innerText();
      for (const words of [
        'Read and search your personal details (name, birth date, contact details)',
        'Read and search your test results, vital signs and other measurements',
        'Keep access after you sign out, until you withdraw it',
        'Know which person in the record you are',
        'Know which patient record to open',
      ]) {
        expect(text, words).to.include(words);
      }
      expect(text).to.include('Patient: your own record');
      expect(text).to.not.match(/patient\/|\.rs\b|offline_access|fhirUser|launch\//);
      const keep = page.getByLabel('Keep access after you sign out, until you withdraw it');
      expect(await keep.isChecked()).to.be.true;
      await page.screenshot({ path: `${ARTIFACTS}browser-consent.png`, fullPage: true });

      // Tab through the choices, untick "keep access" with Space, then press Enter on Allow.
      const keepId = await keep.getAttribute('id');
      expect(await tabTo(page, `#${keepId ?? ''}`)).to.deep.equal(['#scope-0', '#scope-1', `#${keepId ?? ''}`]);
      await page.keyboard.press('Space');
      expect(await keep.isChecked()).to.be.false;
      expect(await tabTo(page, 'button:Allow')).to.deep.equal(['button:Allow']);
      await page.keyboard.press('Enter');

      await page.waitForURL((u) => u.href.startsWith(target?.redirectUri ?? '-'), { timeout: 10_000 });
      const landed = new URL(page.url());
      expect(`${landed.origin}${landed.pathname}`).to.equal(target.redirectUri);
      expect(landed.searchParams.get('state')).to.equal(state);
      expect(landed.searchParams.get('code')).to.be.a('string').and.not.empty;

      const tokens = await client.authorizationCodeGrant(config, landed, { pkceCodeVerifier: verifier, expectedState: state });
      expect((tokens as unknown as Record<string, unknown>)['patient']).to.equal(patient);
      // The unticked scope was not granted: no refresh token.
      expect(tokens.scope?.split(' ')).to.include.members(['patient/Patient.rs', 'patient/Observation.rs']).and.not.include('offline_access');
      expect(tokens.refresh_token).to.equal(undefined);
      const read = await withToken(`${s.base}/Patient/${patient}`, tokens.access_token);
      expect(read.status).to.equal(200);
      expect(read.body?.['name']).to.deep.equal([{ family: 'Keyboard' }]);
    } finally {
      await context.close();
    }
    expect(isPng(`${ARTIFACTS}browser-login.png`)).to.be.true;
    expect(isPng(`${ARTIFACTS}browser-consent.png`)).to.be.true;
  });
});

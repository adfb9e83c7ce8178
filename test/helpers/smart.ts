import { randomUUID } from 'node:crypto';
import * as client from 'openid-client';
import type { Role } from '../../server/auth/policy/roles.js';
import { ClientStore, clientMetadata, type ClientRegistration } from '../../server/auth/store/client-store.js';
import { UserStore } from '../../server/auth/store/user-store.js';
import { hashPassword, newTotpSecret } from '../../server/auth/users/passwords.js';
import type { Pool } from '../../server/store/db.js';
import { fhirRequest, type FhirResponse, type RequestOptions } from './http.js';
import { testSecretBox, type TestServer } from './server.js';

/** Helpers for SMART on FHIR tests: users, clients, a cookie-keeping browser, the authorization code flow. */

export interface TestUser {
  readonly id: string;
  readonly username: string;
  readonly password: string;
  readonly totpSecret?: string;
}

export async function createUser(pool: Pool, role: Role, fhirUser: string, options: { totp?: boolean } = {}): Promise<TestUser> {
  const username = `${role}-${randomUUID()}`;
  const password = `pw-${randomUUID()}`;
  const totp = options.totp === true ? newTotpSecret(username, 'test') : undefined;
  const u = await new UserStore(pool, testSecretBox()).create({
    username,
    passwordHash: await hashPassword(password),
    role,
    fhirUser,
    displayName: `Test ${role}`,
    totpSecret: totp?.secret ?? null,
  });
  return { id: u.id, username, password, ...(totp === undefined ? {} : { totpSecret: totp.secret }) };
}

export async function registerClient(pool: Pool, reg: Omit<ClientRegistration, 'clientId'>): Promise<{ clientId: string; secret?: string }> {
  const { metadata, secret } = clientMetadata({ ...reg, clientId: `test-${randomUUID()}` });
  await new ClientStore(pool).add(metadata);
  return { clientId: metadata.client_id, ...(secret === undefined ? {} : { secret }) };
}

/** A tiny browser: keeps cookies per host, follows nothing by itself. */
export class Browser {
  private readonly cookies = new Map<string, string>();

  private cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  private keep(res: Response): void {
    for (const c of res.headers.getSetCookie()) {
      const [pair = ''] = c.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (value === '' || /expires=Thu, 01 Jan 1970/i.test(c)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  async get(url: string): Promise<Response> {
    const res = await fetch(url, { redirect: 'manual', headers: { cookie: this.cookieHeader(), accept: 'text/html' } });
    this.keep(res);
    return res;
  }

  async post(url: string, form: Record<string, string | string[]> | URLSearchParams): Promise<Response> {
    const body = form instanceof URLSearchParams ? form : new URLSearchParams();
    if (!(form instanceof URLSearchParams)) for (const [k, v] of Object.entries(form)) for (const x of Array.isArray(v) ? v : [v]) body.append(k, x);
    const res = await fetch(url, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie: this.cookieHeader(), 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
      body,
    });
    this.keep(res);
    return res;
  }

  /** Follows redirects on this server until one leaves it (to the app's redirect URI) or a page is shown. */
  async follow(res: Response, base: string): Promise<{ res: Response; url: string }> {
    let current = res;
    let url = '';
    for (let i = 0; i < 10; i += 1) {
      const location = current.headers.get('location');
      if (current.status < 300 || current.status >= 400 || location === null) return { res: current, url };
      url = new URL(location, base).href;
      if (!url.startsWith(base)) return { res: current, url };
      current = await this.get(url);
    }
    throw new Error('too many redirects');
  }
}

export function formAction(html: string): string {
  const m = /<form method="post" action="([^"]+)">/.exec(html);
  if (m?.[1] === undefined) throw new Error(`no form in page: ${html.slice(0, 300)}`);
  return m[1].replace(/&amp;/g, '&');
}

/** The checkbox values (scopes) offered on a consent page. */
export function offeredScopes(html: string): string[] {
  return [...html.matchAll(/name="scope" value="([^"]+)"/g)].map((m) => (m[1] ?? '').replace(/&amp;/g, '&').replace(/&quot;/g, '"'));
}

export async function discover(s: TestServer, clientId: string, auth: client.ClientAuth = client.None()): Promise<client.Configuration> {
  // The test server speaks plain HTTP on loopback.
  // eslint-disable-next-line @typescript-eslint/no-deprecated
  return client.discovery(new URL(`${s.root}/auth`), clientId, undefined, auth, { execute: [client.allowInsecureRequests] });
}

export interface AuthorizeOptions {
  readonly config: client.Configuration;
  readonly redirectUri: string;
  readonly scope: string;
  readonly user: TestUser;
  readonly totp?: string;
  /** Consent: the patient to pick (staff), scopes to untick. */
  readonly patient?: string;
  readonly untick?: readonly string[];
  readonly launch?: string;
  readonly aud?: string;
  readonly browser?: Browser;
}

/** Drives a full authorization code + PKCE flow through the HTML pages and exchanges the code with openid-client. */
export async function authorize(s: TestServer, o: AuthorizeOptions): Promise<client.TokenEndpointResponse & client.TokenEndpointResponseHelpers> {
  const browser = o.browser ?? new Browser();
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const url = client.buildAuthorizationUrl(o.config, {
    redirect_uri: o.redirectUri,
    scope: o.scope,
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    aud: o.aud ?? s.base,
    ...(o.launch === undefined ? {} : { launch: o.launch }),
  });
  let step = await browser.follow(await browser.get(url.href), s.root);
  let html = await step.res.text();
  if (html.includes('name="password"')) {
    step = await browser.follow(
      await browser.post(new URL(formAction(html), s.root).href, { username: o.user.username, password: o.user.password, code: o.totp ?? '' }),
      s.root,
    );
    if (step.url.startsWith(o.redirectUri)) return client.authorizationCodeGrant(o.config, new URL(step.url), { pkceCodeVerifier: verifier, expectedState: state });
    html = await step.res.text();
  }
  if (!html.includes('name="decision"')) throw new Error(`expected the consent page, got ${step.res.status}: ${/<main>([\s\S]*)<\/main>/.exec(html)?.[1] ?? html}`);
  const untick = new Set(o.untick ?? []);
  const form: Record<string, string | string[]> = { decision: 'allow', scope: offeredScopes(html).filter((x) => !untick.has(x)) };
  if (o.patient !== undefined) form['patient_id'] = o.patient;
  const done = await browser.follow(await browser.post(new URL(formAction(html), s.root).href, form), s.root);
  if (!done.url.startsWith(o.redirectUri)) throw new Error(`consent did not redirect to the app: ${done.res.status} ${await done.res.text()}`);
  return client.authorizationCodeGrant(o.config, new URL(done.url), { pkceCodeVerifier: verifier, expectedState: state });
}

/** fhirRequest with a bearer token. */
export function withToken(url: string, token: string, options: RequestOptions = {}): Promise<FhirResponse> {
  return fhirRequest(url, { ...options, headers: { ...options.headers, authorization: `Bearer ${token}` } });
}

import { expect } from 'chai';
import * as client from 'openid-client';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { discover, registerClient } from '../../helpers/smart.js';

/**
 * Behind a TLS-terminating proxy (TRUST_PROXY=true) the sign-in cookies must be
 * marked Secure, since the browser talks https to the proxy; without the setting
 * X-Forwarded-Proto is ignored (anyone could send it).
 */
describe('TRUST_PROXY: Secure sign-in cookies behind a TLS-terminating proxy', () => {
  async function authorizeCookies(s: TestServer): Promise<string[]> {
    const redirectUri = 'http://app.test/cb';
    const { clientId } = await registerClient(s.pool, { name: 'Proxy app', kind: 'public', redirectUris: [redirectUri] });
    const url = client.buildAuthorizationUrl(await discover(s, clientId), {
      redirect_uri: redirectUri,
      scope: 'openid patient/Patient.rs',
      code_challenge: await client.calculatePKCECodeChallenge(client.randomPKCECodeVerifier()),
      code_challenge_method: 'S256',
      state: client.randomState(),
      aud: s.base,
    });
    const r = await fetch(url, { redirect: 'manual', headers: { 'x-forwarded-proto': 'https', 'x-forwarded-for': '203.0.113.9' } });
    expect(r.status).to.be.within(300, 399);
    return r.headers.getSetCookie();
  }

  it('marks the cookies Secure when the proxy is trusted and says https', async () => {
    const s = await startTestServer({ authMode: 'smart', trustProxy: true });
    try {
      const cookies = await authorizeCookies(s);
      expect(cookies.length).to.be.greaterThan(0);
      for (const c of cookies) expect(c.toLowerCase()).to.include('; secure');
    } finally {
      await s.close();
    }
  });

  it('ignores X-Forwarded-Proto when the proxy is not trusted', async () => {
    const s = await startTestServer({ authMode: 'smart' });
    try {
      const cookies = await authorizeCookies(s);
      expect(cookies.length).to.be.greaterThan(0);
      for (const c of cookies) expect(c.toLowerCase()).to.not.include('; secure');
    } finally {
      await s.close();
    }
  });
});

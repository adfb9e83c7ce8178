import { expect } from 'chai';
import { loadOrCreateKeys } from '../../../server/auth/store/key-store.js';
import { createPool, type Pool } from '../../../server/store/db.js';
import { testDatabaseUrl } from '../../helpers/server.js';

/** Keys are generated once, in the database, and every process loads the same ones. */
describe('auth/store/key-store', function () {
  this.timeout(60_000);
  let pool: Pool;
  before(() => {
    pool = createPool(testDatabaseUrl(), 4);
  });
  after(async () => {
    await pool.end();
  });

  it('gives processes starting at the same time the same signing key and cookie secrets', async () => {
    const [a, b, c] = await Promise.all([loadOrCreateKeys(pool, 90), loadOrCreateKeys(pool, 90), loadOrCreateKeys(pool, 90)]);
    expect(a.jwks.keys[0]?.kid).to.be.a('string');
    expect(b.jwks.keys[0]?.kid).to.equal(a.jwks.keys[0]?.kid);
    expect(c.cookieKeys).to.deep.equal(a.cookieKeys);
    expect(a.jwks.keys[0]).to.include({ alg: 'RS256', use: 'sig', kty: 'RSA' });
    expect(a.jwks.keys[0]).to.have.property('d');
  });

  it('replaces a signing key past its age and keeps publishing the old one', async () => {
    const before = await loadOrCreateKeys(pool, 90);
    const oldKid = before.jwks.keys[0]?.kid;
    await pool.query("UPDATE auth_key SET created_at = created_at - interval '100 days' WHERE use = 'sig'");
    const after = await loadOrCreateKeys(pool, 90);
    expect(after.jwks.keys[0]?.kid).to.not.equal(oldKid);
    expect(after.jwks.keys.map((k) => k.kid)).to.include(oldKid);
    await pool.query("UPDATE auth_key SET created_at = created_at - interval '100 days' WHERE kid = $1", [oldKid]);
    const later = await loadOrCreateKeys(pool, 90);
    expect(later.jwks.keys.map((k) => k.kid)).to.not.include(oldKid);
  });
});

import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import type { Principal } from '../../../server/auth/policy/principal.js';
import { withdrawnReason } from '../../../server/auth/store/submitter-check.js';
import { createPool, type Pool } from '../../../server/store/db.js';
import { testDatabaseUrl } from '../../helpers/server.js';
import { registerClient } from '../../helpers/smart.js';

/** What stands behind a background job's grant ($import): the client, the user account, the grant. */
describe('withdrawnReason (the submitter of a background job)', () => {
  let pool: Pool;
  let clientId: string;
  const userId = randomUUID();
  const grantId = randomUUID();

  before(async () => {
    pool = createPool(testDatabaseUrl(), 2);
    ({ clientId } = await registerClient(pool, { name: 'Submitter check', kind: 'confidential', redirectUris: ['https://app.example.org/cb'], scope: 'user/*.cruds' }));
    await pool.query(
      `INSERT INTO auth_user (id, username, password_hash, role, fhir_user, display_name) VALUES ($1, $2, 'x', 'clinician', 'Practitioner/x', 'Submitter')`,
      [userId, `submitter-${userId}`],
    );
    await pool.query(`INSERT INTO auth_oidc (kind, id, payload, expires_at) VALUES ('Grant', $1, '{}', now() + interval '1 hour')`, [grantId]);
  });
  after(async () => {
    await pool.query('DELETE FROM auth_user WHERE id = $1', [userId]);
    await pool.query(`DELETE FROM auth_oidc WHERE kind = 'Grant' AND id = $1`, [grantId]);
    await pool.query('DELETE FROM auth_client WHERE client_id = $1', [clientId]);
    await pool.end();
  });

  const user = (extra: Partial<Principal> = {}): Principal => ({ kind: 'user', clientId, scopes: [], tokenHash: 'sha256:x', expiresAt: 0, subject: userId, grantId, ...extra });

  it('nothing withdrawn: the client is registered, the user enabled, the grant live (an expired token does not matter)', async () => {
    expect(await withdrawnReason(pool, user())).to.equal(undefined);
    expect(await withdrawnReason(pool, { kind: 'system', clientId, scopes: [], tokenHash: 'sha256:x', expiresAt: 0 })).to.equal(undefined);
  });

  it('a revoked (or expired) grant, a disabled or unknown user, an unregistered client', async () => {
    expect(await withdrawnReason(pool, user({ grantId: randomUUID() }))).to.contain('grant');
    await pool.query(`UPDATE auth_oidc SET expires_at = now() - interval '1 second' WHERE kind = 'Grant' AND id = $1`, [grantId]);
    expect(await withdrawnReason(pool, user())).to.contain('grant');
    expect(await withdrawnReason(pool, user({ subject: randomUUID() }))).to.contain('disabled or removed');
    await pool.query('UPDATE auth_user SET disabled = true WHERE id = $1', [userId]);
    expect(await withdrawnReason(pool, user())).to.contain('disabled or removed');
    expect(await withdrawnReason(pool, user({ clientId: 'no-such-client' }))).to.contain('no-such-client is no longer registered');
  });
});

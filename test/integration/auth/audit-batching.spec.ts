import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { exportJWK, generateKeyPair } from 'jose';
import * as client from 'openid-client';
import { providerStorageOn } from '../../../server/auth/oidc/provider-storage.js';
import { createPool, type Pool } from '../../../server/store/db.js';
import { fhirRequest } from '../../helpers/http.js';
import { startTestServer, TEST_SECRET_KEY, testDatabaseUrl, type TestServer } from '../../helpers/server.js';
import { registerClient, withToken } from '../../helpers/smart.js';

/**
 * Read audits are group-committed (server/audit/audit-writer.ts): concurrent
 * reads share one INSERT, each response still waits for its own record's
 * commit, a batch that fails fails its requests, and killing the process
 * loses no record of a read the client saw succeed.
 */
const FAIL_PREFIX = 'audit-batching-fail-';

async function backendToken(pool: Pool, root: string, scope: string): Promise<string> {
  const { privateKey, publicKey } = await generateKeyPair('ES384', { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), alg: 'ES384', kid: 'batching' };
  const { clientId } = await registerClient(pool, { name: 'Audit batching', kind: 'backend', redirectUris: [], jwks: { keys: [jwk] }, scope });
  const auth = client.PrivateKeyJwt(privateKey, { [client.modifyAssertion]: (h) => { h.kid = 'batching'; } });
  // eslint-disable-next-line @typescript-eslint/no-deprecated -- plain HTTP on loopback
  const config = await client.discovery(new URL(`${root}/auth`), clientId, undefined, auth, { execute: [client.allowInsecureRequests] });
  return (await client.clientCredentialsGrant(config, { scope })).access_token;
}

async function rowsFor(pool: Pool, requestIds: readonly string[]): Promise<Map<string, number>> {
  const r = await pool.query<{ id: string; n: number }>(
    "SELECT payload->>'requestId' AS id, count(*)::int AS n FROM outbox WHERE topic = 'audit' AND payload->>'requestId' = ANY($1::text[]) GROUP BY 1",
    [requestIds],
  );
  return new Map(r.rows.map((row) => [row.id, row.n]));
}

describe('read audits: group commit', function () {
  this.timeout(60_000);
  let s: TestServer;
  let open: TestServer;
  let token = '';
  const run = randomUUID().slice(0, 8);
  const patient = `ab-${run}`;
  const observation = `${patient}-o`;

  before(async () => {
    // No audit worker here: the records stay in the outbox where the tests count them.
    s = await startTestServer({ authMode: 'smart', auditWorkerIntervalMs: 0 });
    open = await startTestServer();
    await fhirRequest(`${open.base}/Patient/${patient}`, { method: 'PUT', body: { resourceType: 'Patient', id: patient } });
    await fhirRequest(`${open.base}/Observation/${observation}`, {
      method: 'PUT',
      body: { resourceType: 'Observation', id: observation, status: 'final', code: { text: 'x' }, subject: { reference: `Patient/${patient}` } },
    });
    token = await backendToken(s.pool, s.root, 'system/Observation.rs');
  });
  after(async () => {
    await s.close();
    await open.close();
  });

  it('gives each of many concurrent reads exactly one audit record, written in far fewer statements than reads', async () => {
    // A slow commit (20 ms a statement) stands in for a busy database: reads finishing meanwhile must share the next one.
    await s.pool.query(`CREATE OR REPLACE FUNCTION audit_batching_test_slow() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN PERFORM pg_sleep(0.02); RETURN NULL; END $$`);
    await s.pool.query('CREATE TRIGGER audit_batching_test_slow AFTER INSERT ON outbox FOR EACH STATEMENT EXECUTE FUNCTION audit_batching_test_slow()');
    const ids = Array.from({ length: 200 }, (_, i) => `ab-${run}-${i}`);
    let responses;
    try {
      responses = await Promise.all(ids.map((id) => withToken(`${s.base}/Observation/${observation}`, token, { headers: { 'x-request-id': id } })));
    } finally {
      await s.pool.query('DROP TRIGGER IF EXISTS audit_batching_test_slow ON outbox');
      await s.pool.query('DROP FUNCTION IF EXISTS audit_batching_test_slow()');
    }
    expect(responses.map((r) => r.status)).to.deep.equal(ids.map(() => 200));
    const rows = await rowsFor(s.pool, ids);
    expect(ids.filter((id) => rows.get(id) !== 1), 'requests without exactly one record').to.deep.equal([]);
    // Rows inserted by one statement share its transaction id.
    const tx = await s.pool.query<{ n: number }>(
      "SELECT count(DISTINCT xmin::text)::int AS n FROM outbox WHERE topic = 'audit' AND payload->>'requestId' = ANY($1::text[])",
      [ids],
    );
    expect(tx.rows[0]?.n).to.be.within(1, 40);
  });

  it('fails the requests of a batch that cannot be written: an OperationOutcome, no resource, no record', async () => {
    // A stand-in for the audit store failing: PostgreSQL refuses the batch holding a marked record.
    await s.pool.query(`CREATE OR REPLACE FUNCTION audit_batching_test_fail() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.payload->>'requestId' LIKE '${FAIL_PREFIX}%' THEN RAISE EXCEPTION 'audit store unavailable (test)'; END IF;
        RETURN NEW;
      END $$`);
    await s.pool.query('CREATE TRIGGER audit_batching_test_fail BEFORE INSERT ON outbox FOR EACH ROW EXECUTE FUNCTION audit_batching_test_fail()');
    try {
      const ids = Array.from({ length: 40 }, (_, i) => (i % 10 === 0 ? `${FAIL_PREFIX}${run}-${i}` : `ok-${run}-${i}`));
      const responses = await Promise.all(ids.map((id) => withToken(`${s.base}/Observation/${observation}`, token, { headers: { 'x-request-id': id } })));
      const rows = await rowsFor(s.pool, ids);
      for (const [i, r] of responses.entries()) {
        const id = ids[i] ?? '';
        if (id.startsWith(FAIL_PREFIX)) expect(r.status, id).to.equal(503);
        if (r.status === 200) {
          expect(rows.get(id), `${id} was answered, so its record must be there`).to.equal(1);
          continue;
        }
        // Failed with its batch (the marked ones, and any others that shared their INSERT).
        expect(r.status, id).to.equal(503);
        expect(r.headers.get('retry-after'), id).to.equal('1');
        expect(rows.has(id), `${id} failed, so no record`).to.equal(false);
        expect(r.body?.['resourceType']).to.equal('OperationOutcome');
        expect(r.text).to.not.include(patient);
        expect(r.headers.get('etag')).to.equal(null);
        expect(r.headers.get('last-modified')).to.equal(null);
      }
    } finally {
      await s.pool.query('DROP TRIGGER IF EXISTS audit_batching_test_fail ON outbox');
      await s.pool.query('DROP FUNCTION IF EXISTS audit_batching_test_fail()');
    }
    // The writer recovers: the next read is answered and audited.
    const id = `after-${run}`;
    expect((await withToken(`${s.base}/Observation/${observation}`, token, { headers: { 'x-request-id': id } })).status).to.equal(200);
    expect((await rowsFor(s.pool, [id])).get(id)).to.equal(1);
  });

  it("leaves oidc-provider's async context storage (process-wide promise hooks) off once its requests are done", async () => {
    await backendToken(s.pool, s.root, 'system/Observation.rs');
    expect(providerStorageOn()).to.equal(false);
    expect((await withToken(`${s.base}/Observation/${observation}`, token)).status).to.equal(200);
  });

  describe('a server process killed amid concurrent reads', () => {
    let proc: ChildProcess;
    let pool: Pool;
    after(async () => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
      await pool.end();
    });

    it('loses no audit record of a read the client saw succeed', async () => {
      pool = createPool(testDatabaseUrl(), 2);
      proc = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
        env: { ...process.env, DATABASE_URL: testDatabaseUrl(), PORT: '0', LOG_LEVEL: 'info', AUTH_MODE: 'smart', AUDIT_WORKER_INTERVAL_MS: '0', AUTH_SECRET_KEY: TEST_SECRET_KEY },
        stdio: ['ignore', 'pipe', 'ignore'],
      });
      const base = await new Promise<string>((resolve, reject) => {
        let buffered = '';
        proc.stdout?.on('data', (d: Buffer) => {
          buffered += d.toString();
          const m = /"baseUrl":"([^"]+)"/.exec(buffered);
          if (m?.[1] !== undefined) resolve(m[1]);
        });
        proc.on('exit', () => reject(new Error('server exited during start-up')));
      });
      const killToken = await backendToken(pool, base.replace(/\/fhir$/, ''), 'system/Observation.rs');
      const ids = Array.from({ length: 300 }, (_, i) => `kill-${run}-${i}`);
      let seen = 0;
      const results = await Promise.allSettled(
        ids.map(async (id) => {
          const r = await fetch(`${base}/Observation/${observation}`, { headers: { authorization: `Bearer ${killToken}`, 'x-request-id': id } });
          const body = await r.text();
          if (r.status !== 200 || !body.includes(observation)) throw new Error(`status ${r.status}`);
          seen += 1;
          // Killed the moment the client has its 40th answer, with batches still in flight.
          if (seen === 40) proc.kill('SIGKILL');
          return id;
        }),
      );
      const succeeded = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
      expect(succeeded.length).to.be.at.least(40);
      expect(succeeded.length, 'the kill cut off the requests still in flight').to.be.below(ids.length);
      const rows = await rowsFor(pool, ids);
      expect(succeeded.filter((id) => rows.get(id) !== 1), 'answered reads without exactly one record').to.deep.equal([]);
    });
  });
});

import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair } from 'jose';
import * as client from 'openid-client';
import { firstIssue } from '../../helpers/http.js';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { discover, registerClient, withToken } from '../../helpers/smart.js';
import { countByIdentifier } from '../bundle/helpers.js';
import { failures, importJobCount, ndjson, param, statusUrl, typeCounts } from './async-helpers.js';
import { manifest, startFileServer, type FileServer } from './file-server.js';

const LAB = 'http://terminology.hl7.org/CodeSystem/observation-category';

/** `$import` under SMART (AUTH_MODE=smart): who may submit, whose writes the job may make, who may see the job. */
describe('Asynchronous $import: access control and audit', function () {
  this.timeout(60_000);
  let s: TestServer;
  const system = `urn:test:${randomUUID()}`;
  const patient = (value: string): Record<string, unknown> => ({ resourceType: 'Patient', identifier: [{ system, value }] });
  const observation = (value: string, category: string): Record<string, unknown> => ({
    resourceType: 'Observation',
    status: 'final',
    identifier: [{ system, value }],
    category: [{ coding: [{ system: LAB, code: category }] }],
    code: { text: 'x' },
  });

  /** A Backend Services client with these scopes, and a token for them. */
  async function backendToken(scope: string): Promise<string> {
    return (await backendClient(scope)).token;
  }

  async function backendClient(scope: string): Promise<{ clientId: string; token: string }> {
    const { privateKey, publicKey } = await generateKeyPair('ES384', { extractable: true });
    const kid = randomUUID();
    const jwk = { ...(await exportJWK(publicKey)), alg: 'ES384', kid };
    const { clientId } = await registerClient(s.pool, { name: `Importer ${kid}`, kind: 'backend', redirectUris: [], jwks: { keys: [jwk] }, scope });
    const config = await discover(s, clientId, client.PrivateKeyJwt(privateKey, { [client.modifyAssertion]: (h) => { h.kid = kid; } }));
    return { clientId, token: (await client.clientCredentialsGrant(config, { scope })).access_token };
  }

  const submit = (token: string, raw: string, contentType = 'application/fhir+ndjson'): ReturnType<typeof withToken> =>
    withToken(`${s.base}/$import`, token, { method: 'POST', raw, headers: { 'content-type': contentType, prefer: 'respond-async' } });

  let writer: string;
  let sameScopesOtherClient: string;
  let reader: string;
  let files: FileServer;

  before(async () => {
    files = await startFileServer();
    s = await startTestServer({ authMode: 'smart', importWorkerIntervalMs: 0, importAllowedSources: `${files.origin}/files/` });
    writer = await backendToken(`system/Patient.cruds system/Observation.cu?category=${LAB}|laboratory`);
    sameScopesOtherClient = await backendToken('system/Patient.cruds');
    reader = await backendToken('system/Patient.rs');
  });
  after(async () => {
    await s.close();
    await files.close();
  });

  it('runs the job with the submitter\'s grant: each write is checked when it runs (a v2 restriction refuses one line), and only the submitter sees the job', async () => {
    const r = await submit(writer, ndjson([patient('a1'), observation('lab', 'laboratory'), observation('vitals', 'vital-signs')]));
    expect(r.status, r.text).to.equal(202);
    const url = statusUrl(r);
    expect((await withToken(url, sameScopesOtherClient)).status).to.equal(404);
    expect((await withToken(url, sameScopesOtherClient, { method: 'DELETE' })).status).to.equal(404);
    expect((await withToken(url, writer)).status).to.equal(202);
    await s.runImports();
    const done = await withToken(url, writer);
    expect(done.status).to.equal(200);
    expect(typeCounts(done.body, 'Observation')).to.deep.equal({ loaded: 1, skipped: 0, failed: 1 });
    expect(failures(done.body).map((f) => [f.line, f.code])).to.deep.equal([[3, 'forbidden']]);
    expect(await countByIdentifier(s.pool, 'Patient', system, 'a1')).to.equal(1);
    expect(await countByIdentifier(s.pool, 'Observation', system, 'vitals')).to.equal(0);
    // The completion is audited (besides each write), in the transaction that finished the job.
    const job = param(done.body, 'job') as string;
    const audit = await s.pool.query(
      `SELECT 1 FROM outbox WHERE topic = 'audit' AND payload::text LIKE $1
       UNION ALL SELECT 1 FROM resource WHERE resource_type = 'AuditEvent' AND content::text LIKE $1`,
      [`%$import job ${job} finished: 2 loaded, 0 skipped, 1 failed%`],
    );
    expect(audit.rowCount).to.equal(1);
  });

  it('a token without write access to a type in the body gets 403 for the whole request, and nothing is stored', async () => {
    const before = await importJobCount(s.pool);
    const readOnly = await submit(reader, ndjson([patient('r1')]));
    expect(readOnly.status).to.equal(403);
    // Observation is not in this client's scopes at all: the first line was fine, the request is still refused as a whole.
    const mixed = await submit(sameScopesOtherClient, ndjson([patient('m1'), observation('m2', 'laboratory')]));
    expect(mixed.status).to.equal(403);
    expect(firstIssue(mixed).diagnostics).to.contain('Observation');
    const bundle = { resourceType: 'Bundle', type: 'batch', entry: [{ resource: observation('m3', 'laboratory'), request: { method: 'POST', url: 'Observation' } }] };
    expect((await submit(sameScopesOtherClient, JSON.stringify(bundle), 'application/fhir+json')).status).to.equal(403);
    expect(await importJobCount(s.pool)).to.equal(before);
    expect(await countByIdentifier(s.pool, 'Patient', system, 'm1')).to.equal(0);
  });

  it('a manifest: each input type needs write access (403 for the whole request, nothing stored or fetched); the files load with the submitter\'s grant', async () => {
    files.serve('/files/Patient.ndjson', ndjson([patient('url-1')]));
    files.serve('/files/Observation.ndjson', ndjson([observation('url-lab', 'laboratory'), observation('url-vitals', 'vital-signs')]));
    const body = manifest([['Patient', `${files.origin}/files/Patient.ndjson`], ['Observation', `${files.origin}/files/Observation.ndjson`]]);
    const before = await importJobCount(s.pool);
    const mixed = await submit(sameScopesOtherClient, body, 'application/fhir+json');
    expect(mixed.status).to.equal(403);
    expect(firstIssue(mixed).diagnostics).to.contain('Observation');
    expect((await submit(reader, manifest([['Patient', `${files.origin}/files/Patient.ndjson`]]), 'application/json')).status).to.equal(403);
    expect(await importJobCount(s.pool)).to.equal(before);
    expect(files.requests).to.deep.equal([]);
    const r = await submit(writer, body, 'application/fhir+json');
    expect(r.status, r.text).to.equal(202);
    while ((await s.runImports()) > 0);
    const done = await withToken(statusUrl(r), writer);
    expect(typeCounts(done.body, 'Patient')).to.deep.equal({ loaded: 1, skipped: 0, failed: 0 });
    // The writer's v2 scope admits laboratory Observations only: the vital-signs line is refused when it runs.
    expect(typeCounts(done.body, 'Observation')).to.deep.equal({ loaded: 1, skipped: 0, failed: 1 });
    expect(failures(done.body).map((f) => [f.url, f.line, f.code])).to.deep.equal([[`${files.origin}/files/Observation.ndjson`, 2, 'forbidden']]);
    expect(await countByIdentifier(s.pool, 'Observation', system, 'url-vitals')).to.equal(0);
    expect(await countByIdentifier(s.pool, 'Patient', system, 'url-1')).to.equal(1);
  });

  it('without a token: 401', async () => {
    expect((await withToken(`${s.base}/$import`, 'not-a-token', { method: 'POST', raw: ndjson([patient('z')]), headers: { 'content-type': 'application/fhir+ndjson', prefer: 'respond-async' } })).status).to.equal(401);
  });

  it('a job whose client is removed before it runs refuses its remaining lines (403, with the reason) and writes nothing', async () => {
    const { clientId, token } = await backendClient('system/Patient.cruds');
    const r = await submit(token, ndjson([patient('gone-1'), patient('gone-2')]));
    expect(r.status, r.text).to.equal(202);
    const job = new URL(statusUrl(r)).searchParams.get('job');
    await s.pool.query('DELETE FROM auth_client WHERE client_id = $1', [clientId]);
    await s.runImports();
    const chunks = await s.pool.query<{ result: { failures: { line: number; outcome: { issue: { code: string; diagnostics: string }[] } }[] } }>(
      'SELECT result FROM import_job_chunk WHERE job_id = $1', [job],
    );
    const failed = chunks.rows.flatMap((c) => c.result.failures);
    expect(failed.map((f) => f.line)).to.deep.equal([1, 2]);
    for (const f of failed) {
      expect(f.outcome.issue[0]?.code).to.equal('forbidden');
      expect(f.outcome.issue[0]?.diagnostics).to.contain(`the client ${clientId} is no longer registered`);
    }
    expect(await countByIdentifier(s.pool, 'Patient', system, 'gone-1')).to.equal(0);
    expect(await countByIdentifier(s.pool, 'Patient', system, 'gone-2')).to.equal(0);
  });

  it('a manifest job whose only failure is a file that could not be fetched is audited as a failure', async () => {
    const r = await submit(writer, manifest([['Patient', `${files.origin}/files/missing.ndjson`]]), 'application/json');
    expect(r.status, r.text).to.equal(202);
    while ((await s.runImports()) > 0);
    const job = new URL(statusUrl(r)).searchParams.get('job') ?? '';
    const audit = await s.pool.query<{ payload: string }>(
      `SELECT payload::text AS payload FROM outbox WHERE topic = 'audit' AND payload::text LIKE $1
       UNION ALL SELECT content::text FROM resource WHERE resource_type = 'AuditEvent' AND content::text LIKE $1`,
      [`%$import job ${job} finished%`],
    );
    expect(audit.rows.length).to.equal(1);
    const text = audit.rows[0]?.payload ?? '';
    expect(text).to.contain('1 file(s) not fetched');
    expect(text).to.match(/"outcome"\s*:\s*"4"/);
  });
});

import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { fhirRequest } from '../../helpers/http.js';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { bundle, postBundle } from '../bundle/helpers.js';

/**
 * A version's body is stored once: in `resource` while it is current, in its history row
 * once replaced (store/sql.ts KEEP_REPLACED). Reads of each version, and history, must
 * not see the difference.
 */
describe('history rows: the current version\'s body is the resource row\'s, kept in history when replaced', () => {
  let s: TestServer;
  const system = `urn:test:${randomUUID()}`;
  before(async () => {
    s = await startTestServer();
  });
  after(async () => {
    await s.close();
  });

  /** Which of a resource's history rows hold their own body, by version. */
  async function stored(id: string): Promise<Record<number, boolean>> {
    const r = await s.pool.query<{ version_id: number; has: boolean }>(
      "SELECT version_id, content IS NOT NULL AS has FROM resource_history WHERE resource_type = 'Patient' AND id = $1 ORDER BY version_id",
      [id],
    );
    return Object.fromEntries(r.rows.map((row) => [row.version_id, row.has]));
  }
  const vread = async (id: string, v: number): Promise<Record<string, unknown> | undefined> => (await fhirRequest(`${s.base}/Patient/${id}/_history/${String(v)}`)).body;
  const historyNames = async (id: string): Promise<(string | undefined)[]> => {
    const h = await fhirRequest(`${s.base}/Patient/${id}/_history`);
    const entries = (h.body?.['entry'] ?? []) as { resource?: { name?: { family: string }[] } }[];
    return entries.map((e) => e.resource?.name?.[0]?.family);
  };
  const body = (id: string, family: string): Record<string, unknown> => ({ resourceType: 'Patient', id, identifier: [{ system, value: id }], name: [{ family }] });

  it('create, update, delete, create again: each version reads back as written, each body stored once', async () => {
    const created = await fhirRequest(`${s.base}/Patient`, { method: 'POST', body: { resourceType: 'Patient', name: [{ family: 'One' }] } });
    const id = String(created.body?.['id']);
    expect(await stored(id)).to.deep.equal({ 1: false });
    expect((await vread(id, 1))?.['name']).to.deep.equal([{ family: 'One' }]);

    await fhirRequest(`${s.base}/Patient/${id}`, { method: 'PUT', body: body(id, 'Two') });
    expect(await stored(id)).to.deep.equal({ 1: true, 2: false });
    expect((await vread(id, 1))?.['name']).to.deep.equal([{ family: 'One' }]);
    expect(((await vread(id, 1))?.['meta'] as { versionId: string }).versionId).to.equal('1');
    expect((await vread(id, 2))?.['name']).to.deep.equal([{ family: 'Two' }]);

    expect((await fhirRequest(`${s.base}/Patient/${id}`, { method: 'DELETE' })).status).to.be.oneOf([200, 204]);
    expect(await stored(id)).to.deep.equal({ 1: true, 2: true, 3: false });
    expect((await vread(id, 2))?.['name']).to.deep.equal([{ family: 'Two' }]);
    expect((await fhirRequest(`${s.base}/Patient/${id}/_history/3`)).status).to.equal(410);

    await fhirRequest(`${s.base}/Patient/${id}`, { method: 'PUT', body: body(id, 'Four') });
    expect(await stored(id)).to.deep.equal({ 1: true, 2: true, 3: false, 4: false });
    expect(await historyNames(id)).to.deep.equal(['Four', undefined, 'Two', 'One']);
    expect((await fhirRequest(`${s.base}/Patient/${id}`)).body?.['name']).to.deep.equal([{ family: 'Four' }]);
  });

  it('updates written together in a transaction keep the bodies they replace', async () => {
    const ids = [randomUUID(), randomUUID(), randomUUID()];
    for (const id of ids) await fhirRequest(`${s.base}/Patient/${id}`, { method: 'PUT', body: body(id, `Old-${id}`) });
    const r = await postBundle(s.base, bundle('transaction', ids.map((id) => ({ resource: body(id, `New-${id}`), request: { method: 'PUT', url: `Patient?identifier=${system}|${id}` } }))));
    expect(r.status).to.equal(200);
    for (const id of ids) {
      expect(await stored(id)).to.deep.equal({ 1: true, 2: false });
      expect((await vread(id, 1))?.['name']).to.deep.equal([{ family: `Old-${id}` }]);
      expect(await historyNames(id)).to.deep.equal([`New-${id}`, `Old-${id}`]);
    }
  });

  it('a history row that already holds its body (written before this scheme) is read from itself and left as it is', async () => {
    const id = randomUUID();
    await fhirRequest(`${s.base}/Patient/${id}`, { method: 'PUT', body: body(id, 'Legacy') });
    // What every history row held before: the version's own body.
    await s.pool.query(
      `UPDATE resource_history h SET content = r.content FROM resource r
        WHERE r.resource_type = h.resource_type AND r.id = h.id AND h.resource_type = 'Patient' AND h.id = $1`,
      [id],
    );
    await s.pool.query("UPDATE resource SET content = jsonb_set(content, '{name,0,family}', '\"Changed in resource only\"') WHERE resource_type = 'Patient' AND id = $1", [id]);
    expect((await vread(id, 1))?.['name']).to.deep.equal([{ family: 'Legacy' }]);
    await fhirRequest(`${s.base}/Patient/${id}`, { method: 'PUT', body: body(id, 'Next') });
    expect((await vread(id, 1))?.['name']).to.deep.equal([{ family: 'Legacy' }]);
    expect(await historyNames(id)).to.deep.equal(['Next', 'Legacy']);
  });
});

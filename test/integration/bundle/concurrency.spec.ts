import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { bundle, countByIdentifier, post, postBundle, responseEntries, uuid, type Entry } from './helpers.js';

/** A deterministic shuffle, so that each client takes the shared criteria in another order. */
function shuffled<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  let x = seed + 1;
  for (let i = out.length - 1; i > 0; i -= 1) {
    x = (x * 1103515245 + 12345) % 2147483648;
    const j = x % (i + 1);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

describe('Bundles: concurrent conditional creates', () => {
  let s: TestServer;
  const system = `urn:test:${randomUUID()}`;
  const npi = `urn:test:npi:${randomUUID()}`;
  const orgs = Array.from({ length: 12 }, (_, i) => `org-${i}`);
  const practitioners = Array.from({ length: 12 }, (_, i) => `dr-${i}`);
  before(async () => {
    // Let all clients in at once (the default admits 2 Bundles at a time), so their locks really race.
    s = await startTestServer({ bundleMaxConcurrent: 16 });
  });
  after(async () => {
    await s.close();
  });

  const shared = (): Entry[] => [
    ...orgs.map((v) => post({ resourceType: 'Organization', identifier: [{ system, value: v }], name: v }, uuid(), `identifier=${system}|${v}`)),
    ...practitioners.map((v) => post({ resourceType: 'Practitioner', identifier: [{ system: npi, value: v }] }, uuid(), `identifier=${npi}|${v}`)),
  ];

  it('transactions racing on the same criteria in different orders end with one resource per identifier and no errors', async () => {
    const clients = 8;
    const results = await Promise.all(
      Array.from({ length: clients }, (_, c) =>
        postBundle(s.base, bundle('transaction', shuffled(shared(), c)), { prefer: 'return=minimal' }),
      ),
    );
    expect(results.map((r) => r.status)).to.deep.equal(Array.from({ length: clients }, () => 200));
    for (const v of orgs) expect(await countByIdentifier(s.pool, 'Organization', system, v), v).to.equal(1);
    for (const v of practitioners) expect(await countByIdentifier(s.pool, 'Practitioner', npi, v), v).to.equal(1);
    const created = results.flatMap((r) => responseEntries(r)).filter((e) => e.response.status === '201 Created');
    expect(created).to.have.length(orgs.length + practitioners.length);
  });

  it('batches (like Synthea information bundles) racing on the same criteria create each resource once', async () => {
    const value = `batch-${randomUUID()}`;
    const entries = (): Entry[] => [post({ resourceType: 'Organization', identifier: [{ system, value }], name: 'shared' }, uuid(), `identifier=${system}|${value}`)];
    const results = await Promise.all(Array.from({ length: 8 }, () => postBundle(s.base, bundle('batch', entries()))));
    const statuses = results.flatMap((r) => responseEntries(r).map((e) => e.response.status)).sort();
    expect(statuses).to.deep.equal(['200 OK', '200 OK', '200 OK', '200 OK', '200 OK', '200 OK', '200 OK', '201 Created']);
    expect(await countByIdentifier(s.pool, 'Organization', system, value)).to.equal(1);
  });
});

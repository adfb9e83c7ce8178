import { expect } from 'chai';
import { ConformanceCache, type ConformanceRows } from '../../../server/terminology/conformance-cache.js';
import { createRegistry } from '../../../server/terminology/shipped-layer.js';

/** The runtime layer's refresh rule: a stamp checked at most once per interval, or at once after a local write. */

class FakeRows implements ConformanceRows {
  stampValue = '0:0';
  resources: Record<string, unknown>[] = [];
  stampCalls = 0;
  loads = 0;

  stamp(): Promise<string> {
    this.stampCalls++;
    return Promise.resolve(this.stampValue);
  }

  current(): Promise<Record<string, unknown>[]> {
    this.loads++;
    return Promise.resolve(this.resources);
  }
}

const URL = 'http://example.org/fhir/ValueSet/cache-test';

describe('terminology: conformance cache', () => {
  it('loads on first use, then checks the stamp at most once per interval, reloading only when it changed', async () => {
    let now = 1_000;
    const rows = new FakeRows();
    const registry = createRegistry();
    const cache = new ConformanceCache(registry, rows, 1000, () => now);
    await cache.ensureFresh();
    expect([rows.stampCalls, rows.loads]).to.deep.equal([1, 1]);
    // Another process writes a value set: not seen within the interval...
    rows.stampValue = '1:1';
    rows.resources = [{ resourceType: 'ValueSet', url: URL, status: 'active' }];
    now += 500;
    await cache.ensureFresh();
    expect(registry.resolve('ValueSet', URL)).to.equal(undefined);
    expect(rows.stampCalls).to.equal(1);
    // ...and seen once it has passed.
    now += 600;
    await cache.ensureFresh();
    expect(registry.resolve('ValueSet', URL)).to.not.equal(undefined);
    expect([rows.stampCalls, rows.loads]).to.deep.equal([2, 2]);
    // An unchanged stamp does not reload.
    now += 1100;
    await cache.ensureFresh();
    expect([rows.stampCalls, rows.loads]).to.deep.equal([3, 2]);
  });

  it('a committed local write of a conformance type re-checks at once; other types do not', async () => {
    const now = 5_000;
    const rows = new FakeRows();
    const cache = new ConformanceCache(createRegistry(), rows, 60_000, () => now);
    await cache.ensureFresh();
    cache.written(['Patient', 'Observation']);
    await cache.ensureFresh();
    expect(rows.stampCalls).to.equal(1);
    cache.written(['StructureDefinition']);
    await cache.ensureFresh();
    expect(rows.stampCalls).to.equal(2);
  });

  it('concurrent users share one check', async () => {
    const rows = new FakeRows();
    const cache = new ConformanceCache(createRegistry(), rows, 0);
    await Promise.all([cache.ensureFresh(), cache.ensureFresh(), cache.ensureFresh()]);
    expect(rows.stampCalls).to.equal(1);
  });
});

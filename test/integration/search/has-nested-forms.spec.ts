import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { officialRegistry } from '../../../server/fhir/search/definitions/registry.js';
import type { Condition } from '../../../server/store/search/condition.js';
import { SearchStore } from '../../../server/store/search/search-store.js';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { create } from './support.js';

/**
 * `_has` under `or` and `not` (as SMART scope restrictions and future
 * parameters build them), on the store: both forms give the same resources,
 * and `not` of the inner-set-first form is not fooled by references without a
 * target type (`NOT IN` over a null).
 */
describe('SearchStore: _has nested in or / not, in both forms', () => {
  let s: TestServer;
  const tag = randomUUID().slice(0, 8);
  const p = { a: '', b: '', c: '' };

  const key = (type: string, code: string): number => {
    const param = officialRegistry().get(type, code);
    if (param === undefined) throw new Error(`${type}.${code} unknown`);
    return param.key;
  };
  const has = (code: string): Condition => ({
    kind: 'has',
    sourceTypes: ['Observation'],
    // `subject`, not `patient`: no target type restriction, so URL references are candidates.
    keys: [key('Observation', 'subject')],
    inner: [{ kind: 'index', keys: [key('Observation', 'code')], match: { table: 'token', values: [{ system: 'urn:test', code }] } }],
  });

  before(async () => {
    s = await startTestServer();
    for (const k of ['a', 'b', 'c'] as const) p[k] = await create(s.base, { resourceType: 'Patient', name: [{ family: `Nest${tag}` }] });
    const obs = (code: string, subject: string) => ({ resourceType: 'Observation', status: 'final', code: { coding: [{ system: 'urn:test', code }] }, subject: { reference: subject } });
    await create(s.base, obs(`one-${tag}`, `Patient/${p.a}`));
    await create(s.base, obs(`two-${tag}`, `Patient/${p.b}`));
    // Another server's Patient with p.c's id: no target type in the index.
    await create(s.base, obs(`two-${tag}`, `http://elsewhere.example/fhir/Patient/${p.c}`));
  });

  after(async () => {
    await s.close();
  });

  async function found(store: SearchStore, condition: Condition): Promise<string[]> {
    const ours: Condition = { kind: 'id', ids: [p.a, p.b, p.c] };
    const rows = await store.search({ types: ['Patient'], conditions: [ours, condition], sort: [], limit: 10, now: Date.now() });
    return rows.map((r) => r.id).sort();
  }

  it('gives the same resources correlated and inner set first', async () => {
    const correlated = new SearchStore(s.pool, 0);
    const innerFirst = new SearchStore(s.pool, 1000);
    const cases: [Condition, string[]][] = [
      [{ kind: 'or', alternatives: [has(`one-${tag}`), { kind: 'id', ids: [p.c] }] }, [p.a, p.c]],
      [{ kind: 'or', alternatives: [has(`one-${tag}`), has(`two-${tag}`)] }, [p.a, p.b]],
      [{ kind: 'not', inner: has(`one-${tag}`) }, [p.b, p.c]],
      [{ kind: 'not', inner: has(`two-${tag}`) }, [p.a, p.c]],
      [{ kind: 'and', all: [has(`two-${tag}`), { kind: 'not', inner: has(`one-${tag}`) }] }, [p.b]],
    ];
    for (const [condition, expected] of cases) {
      const want = [...expected].sort();
      expect(await found(correlated, condition), JSON.stringify(condition)).to.deep.equal(want);
      expect(await found(innerFirst, condition), JSON.stringify(condition)).to.deep.equal(want);
    }
    const { store, plans } = innerFirst.explaining();
    await found(store, { kind: 'not', inner: has(`two-${tag}`) });
    expect(plans.some((x) => x.sql.includes('NOT ((r.resource_type, r.id) IN (SELECT'))).to.equal(true);
  });
});

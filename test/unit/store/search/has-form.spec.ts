import { expect } from 'chai';
import type { Condition } from '../../../../server/store/search/condition.js';
import { countable, hasConditions, innerFirstHas, type IndexCondition } from '../../../../server/store/search/has-form.js';

const code = (c: string, key = 1): IndexCondition => ({ kind: 'index', keys: [key], match: { table: 'token', values: [{ system: 'http://loinc.org', code: c }] } });
const has = (...inner: Condition[]): Condition & { kind: 'has' } => ({ kind: 'has', sourceTypes: ['Observation'], keys: [9], targetTypes: ['Patient'], inner });

/** A counter over fixed row counts per code, recording what it was asked. */
function counter(rows: Record<string, number>): { count: (c: IndexCondition, atMost: number) => Promise<number>; asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    count: (c, atMost) => {
      const v = c.match.table === 'token' ? (c.match.values[0]?.code ?? '') : '';
      asked.push(`${v}≤${String(atMost)}`);
      // A bounded count never reports more than one past its bound.
      return Promise.resolve(Math.min(rows[v] ?? 0, atMost + 1));
    },
  };
}

describe('_has form: inner set first only when an inner criterion is known to be small', () => {
  it('chooses inner set first for a criterion with few rows, correlated for a common one', async () => {
    const rare = has(code('rare'));
    const common = has(code('common'));
    const c = counter({ rare: 4407, common: 488_358 });
    const chosen = await innerFirstHas([rare, common], c.count, 10_000);
    expect(chosen.has(rare)).to.equal(true);
    expect(chosen.has(common)).to.equal(false);
    expect(c.asked).to.deep.equal(['rare≤10000', 'common≤10000']);
  });

  it('the bound is inclusive, and 0 turns the choice off without counting', async () => {
    const h = has(code('x'));
    expect((await innerFirstHas([h], counter({ x: 100 }).count, 100)).has(h)).to.equal(true);
    expect((await innerFirstHas([h], counter({ x: 101 }).count, 100)).has(h)).to.equal(false);
    const off = counter({ x: 1 });
    expect((await innerFirstHas([h], off.count, 0)).size).to.equal(0);
    expect(off.asked).to.deep.equal([]);
  });

  it('one small AND-ed criterion is enough; the count stops at the first small one', async () => {
    const h = has(code('common'), code('rare'), code('other'));
    const c = counter({ common: 50_000, rare: 3, other: 50_000 });
    expect((await innerFirstHas([h], c.count, 10_000)).has(h)).to.equal(true);
    expect(c.asked).to.deep.equal(['common≤10000', 'rare≤10000']);
  });

  it('criteria that cannot be counted cheaply leave the correlated form, uncounted', async () => {
    const contains: Condition = { kind: 'index', keys: [2], match: { table: 'string', values: [{ value: 'x', mode: 'contains' }] } };
    const date: Condition = { kind: 'index', keys: [3], match: { table: 'date', values: [] } };
    const h = has(contains, date, { kind: 'id', ids: ['o1'] }, { kind: 'missing', table: 'token', keys: [1], missing: true });
    const c = counter({});
    expect((await innerFirstHas([h], c.count, 10_000)).size).to.equal(0);
    expect(c.asked).to.deep.equal([]);
  });

  it('a criterion no searched type has (no keys) matches nothing: inner set first, uncounted', async () => {
    const h = has({ kind: 'index', keys: [], match: { table: 'token', values: [{ system: undefined, code: 'a' }] } });
    const c = counter({});
    expect((await innerFirstHas([h], c.count, 10_000)).has(h)).to.equal(true);
    expect(c.asked).to.deep.equal([]);
  });

  it('finds _has inside or, and, not, chains and other _has', async () => {
    const deep = has(code('rare'));
    const outer = has(deep);
    const chain: Condition = { kind: 'chain', keys: [5], targetTypes: ['Patient'], inner: [outer] };
    const inOr = has(code('rare'));
    const inNot = has(code('rare'));
    const tree: Condition[] = [chain, { kind: 'or', alternatives: [{ kind: 'id', ids: ['a'] }, { kind: 'and', all: [inOr] }] }, { kind: 'not', inner: inNot }];
    expect(hasConditions(tree)).to.deep.equal([outer, deep, inOr, inNot]);
    const chosen = await innerFirstHas(tree, counter({ rare: 1 }).count, 10);
    // The outer _has of a nested pair has no countable criterion of its own: it stays correlated.
    expect([...chosen]).to.deep.equal([deep, inOr, inNot]);
  });

  it('counts only value-index seeks: token codes, references, exact uris, string prefixes', () => {
    expect(countable(code('a'))).to.equal(true);
    expect(countable({ kind: 'index', keys: [1], match: { table: 'token', values: [{ system: 'http://loinc.org', code: undefined }] } })).to.equal(false);
    expect(countable({ kind: 'index', keys: [1], match: { table: 'reference', values: [{ kind: 'local', type: 'Patient', id: 'p1' }] } })).to.equal(true);
    expect(countable({ kind: 'index', keys: [1], match: { table: 'uri', values: [{ value: 'http://x', mode: 'exact' }] } })).to.equal(true);
    expect(countable({ kind: 'index', keys: [1], match: { table: 'uri', values: [{ value: 'http://x', mode: 'below' }] } })).to.equal(false);
    expect(countable({ kind: 'index', keys: [1], match: { table: 'string', values: [{ value: 'ab', mode: 'prefix' }] } })).to.equal(true);
  });
});

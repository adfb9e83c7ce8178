import { expect } from 'chai';
import type { Queryable } from '../../../../server/store/db.js';
import type { IndexCondition } from '../../../../server/store/search/has-form.js';
import { boundedCountStatement, IndexRowCounter } from '../../../../server/store/search/index-row-count.js';

const code = (c: string): IndexCondition => ({ kind: 'index', keys: [7], match: { table: 'token', values: [{ system: 'http://loinc.org', code: c }] } });

/** A database answering every count with `n`, recording the statements run. */
function fakeDb(n: number): { db: Queryable; ran: unknown[][] } {
  const ran: unknown[][] = [];
  const query = (text: string, values: unknown[]) => {
    ran.push([text, ...values]);
    return Promise.resolve({ rows: [{ n }] });
  };
  return { db: { query: query as Queryable['query'] }, ran };
}

describe('IndexRowCounter: bounded, cached counts of an index condition', () => {
  it('reads at most one row past the bound, from the value index', () => {
    const st = boundedCountStatement(code('59576-9'), 10_000);
    expect(st.text.replace(/\s+/g, ' ')).to.equal(
      'SELECT count(*)::int4 AS n FROM (SELECT 1 FROM sp_token x1 WHERE x1.param = $1 AND (x1.code = $2 AND x1.system = $3) LIMIT $4) d',
    );
    expect(st.values).to.deep.equal([7, '59576-9', 'http://loinc.org', 10_001]);
  });

  it('keeps a count for its time to live, per condition and bound', async () => {
    let now = 0;
    const { db, ran } = fakeDb(42);
    const counter = new IndexRowCounter(db, { ttlMs: 1000, maxEntries: 10 }, () => now);
    expect(await counter.count(code('a'), 100)).to.equal(42);
    now = 999;
    await counter.count(code('a'), 100);
    expect(ran).to.have.length(1);
    await counter.count(code('b'), 100);
    await counter.count(code('a'), 50);
    expect(ran).to.have.length(3);
    now = 1000;
    await counter.count(code('a'), 100);
    expect(ran).to.have.length(4);
  });

  it('forgets the oldest count beyond maxEntries', async () => {
    const { db, ran } = fakeDb(1);
    const counter = new IndexRowCounter(db, { ttlMs: 60_000, maxEntries: 2 }, () => 0);
    for (const c of ['a', 'b', 'c']) await counter.count(code(c), 10);
    await counter.count(code('c'), 10);
    await counter.count(code('b'), 10);
    expect(ran).to.have.length(3);
    await counter.count(code('a'), 10);
    expect(ran).to.have.length(4);
  });
});

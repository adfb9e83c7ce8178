import { expect } from 'chai';
import { compositeWhere } from '../../../../server/store/search/composite.js';
import { conditionSql } from '../../../../server/store/search/condition-sql.js';
import { dateWhere } from '../../../../server/store/search/date.js';
import { numberWhere } from '../../../../server/store/search/number.js';
import { quantityWhere } from '../../../../server/store/search/quantity.js';
import { referenceWhere } from '../../../../server/store/search/reference.js';
import { countStatement, searchStatement } from '../../../../server/store/search/search-sql.js';
import { SqlParams } from '../../../../server/store/search/sql-params.js';
import { stringWhere } from '../../../../server/store/search/string.js';
import { tokenWhere } from '../../../../server/store/search/token.js';
import { uriWhere } from '../../../../server/store/search/uri.js';

const flat = (s: string): string => s.replace(/\s+/g, ' ').trim();

describe('search SQL: the WHERE of each parameter type', () => {
  it('token: code, system|code, |code, system|; ORs codes without system into one ANY', () => {
    const p = new SqlParams();
    const sql = tokenWhere('x', [{ system: undefined, code: 'a' }, { system: undefined, code: 'b' }, { system: 's', code: 'c' }, { system: null, code: 'd' }, { system: 's', code: undefined }], p);
    expect(sql).to.equal('(x.code = ANY($5::text[]) OR (x.code = $1 AND x.system = $2) OR (x.code = $3 AND x.system IS NULL) OR x.system = $4)');
    expect(p.values).to.deep.equal(['c', 's', 'd', 's', ['a', 'b']]);
  });

  it('string: prefix, exact, contains on the normalised text, wildcards escaped', () => {
    const p = new SqlParams();
    const sql = stringWhere('x', [{ value: 'Mül_', mode: 'prefix' }, { value: 'Ab', mode: 'exact' }, { value: 'c%', mode: 'contains' }], p);
    expect(sql).to.equal('(x.norm LIKE $1 OR (x.norm = $2 AND coalesce(x.exact, x.norm) = $3) OR x.norm LIKE $4)');
    expect(p.values).to.deep.equal(['mul\\_%', 'ab', 'Ab', '%c\\%%']);
  });

  it('date: each prefix as a range comparison, binding only the ends it uses', () => {
    const one = (prefix: 'eq' | 'gt' | 'le' | 'sa'): [string, unknown[]] => {
      const p = new SqlParams();
      return [dateWhere('x', [{ prefix, start: Date.UTC(2020, 0, 1), end: Date.UTC(2021, 0, 1) }], p, 0), p.values];
    };
    expect(one('eq')).to.deep.equal(['(x.lo >= $2::timestamptz AND x.lo < $1::timestamptz AND x.hi <= $1::timestamptz)', ['2021-01-01T00:00:00.000Z', '2020-01-01T00:00:00.000Z']]);
    expect(one('gt')).to.deep.equal(['x.hi > $1::timestamptz', ['2021-01-01T00:00:00.000Z']]);
    expect(one('le')[0]).to.equal('(x.lo < $1::timestamptz OR x.hi <= $2::timestamptz)');
    expect(one('sa')).to.deep.equal(['x.lo >= $1::timestamptz', ['2021-01-01T00:00:00.000Z']]);
  });

  it('number: eq over the precision range, gt against the exact value', () => {
    const p = new SqlParams();
    expect(numberWhere('x', [{ prefix: 'eq', value: 100, start: 99.5, end: 100.5 }, { prefix: 'gt', value: 100, start: 99.5, end: 100.5 }], p)).to.equal(
      '((x.lo >= $2::float8 AND x.lo < $1::float8 AND x.hi <= $1::float8) OR x.hi > $3::float8)',
    );
    expect(p.values).to.deep.equal([100.5, 99.5, 100]);
  });

  it('quantity: value with system and code, or ||unit against code or unit', () => {
    const p = new SqlParams();
    const sql = quantityWhere('x', [{ prefix: 'lt', value: 5, start: 4.5, end: 5.5, system: undefined, code: 'mg' }], p);
    expect(sql).to.equal('(x.lo < $1::float8 AND (x.code = $2 OR x.unit = $2))');
  });

  it('reference: Type/id, id of any type, external URL', () => {
    const p = new SqlParams();
    const sql = referenceWhere('x', [{ kind: 'local', type: 'Patient', id: '1' }, { kind: 'local', type: undefined, id: '2' }, { kind: 'url', url: 'http://o/P/3' }], p);
    expect(sql).to.equal('((x.target_id = $1 AND x.target_type = $2) OR (x.target_id = $3 AND x.target_type IS NOT NULL) OR (x.target_id = $4 AND x.target_type IS NULL))');
  });

  it('uri: exact, below (at a path boundary), above (as the list of prefixes)', () => {
    const p = new SqlParams();
    const sql = uriWhere('x', [{ value: 'http://a/b', mode: 'below' }, { value: 'http://a/b/c', mode: 'above' }], p);
    expect(sql).to.equal('((x.value = $1 OR x.value LIKE $2) OR x.value = ANY($3::text[]))');
    expect(p.values[1]).to.equal('http://a/b/%');
    expect(p.values[2]).to.include.members(['http://a', 'http://a/b', 'http://a/b/c']);
  });

  it('composite: every component on the same row', () => {
    const p = new SqlParams();
    const sql = compositeWhere('x', [{ kind: 'token', match: { system: 'http://loinc.org', code: '8480-6' } }, { kind: 'quantity', match: { prefix: 'gt', value: 140, start: 139.5, end: 140.5, system: undefined, code: undefined } }], p);
    expect(sql).to.equal('(x.c1 = $1 AND x.s1 = $2 AND x.hi2 > $3::float8)');
  });

  it('conditions: index EXISTS on (res, param), :missing, chains, _has, negation', () => {
    const p = new SqlParams();
    const ctx = { p, now: 0 };
    const chain = conditionSql({ kind: 'chain', keys: [7], targetTypes: ['Patient'], inner: [{ kind: 'missing', table: 'string', keys: [8], missing: true }] }, 'r', ctx);
    expect(flat(chain)).to.equal(
      'EXISTS (SELECT 1 FROM sp_reference x1 JOIN resource t2 ON t2.resource_type = x1.target_type AND t2.id = x1.target_id WHERE x1.res = r.sid AND x1.param = $2 AND x1.target_type = $3 AND NOT t2.deleted AND NOT EXISTS (SELECT 1 FROM sp_string x3 WHERE x3.res = t2.sid AND x3.param = $1))',
    );
    const has = conditionSql({ kind: 'has', sourceTypes: ['Observation'], keys: [9], inner: [{ kind: 'id', ids: ['o1'] }] }, 'r', ctx);
    expect(flat(has)).to.contain('x4.target_type = r.resource_type AND x4.target_id = r.id AND s5.id = $');
    expect(conditionSql({ kind: 'not', inner: { kind: 'none' } }, 'r', ctx)).to.equal('NOT (false)');
  });

  it('_has: correlated EXISTS by default, inner set first (not flattened, no null types) when chosen', () => {
    const has = { kind: 'has', sourceTypes: ['Observation'], keys: [9], targetTypes: ['Patient'], inner: [{ kind: 'index', keys: [4], match: { table: 'token', values: [{ system: 's', code: 'c' }] } }] } as const;
    const inner = 'EXISTS (SELECT 1 FROM sp_token x3 WHERE x3.res = s2.sid AND x3.param = $1 AND (x3.code = $2 AND x3.system = $3))';
    const from = 'sp_reference x1 CROSS JOIN LATERAL (SELECT x1.res AS sid) s2';
    expect(flat(conditionSql(has, 'r', { p: new SqlParams(), now: 0 }))).to.equal(
      `EXISTS (SELECT 1 FROM ${from} WHERE x1.param = $4 AND x1.target_type = $5 AND x1.target_type = r.resource_type AND x1.target_id = r.id AND ${inner})`,
    );
    const chosen = { p: new SqlParams(), now: 0, innerFirst: new Set([has]) };
    expect(flat(conditionSql({ kind: 'not', inner: has }, 'r', chosen))).to.equal(
      `NOT ((r.resource_type, r.id) IN (SELECT x1.target_type, x1.target_id FROM ${from} WHERE x1.param = $4 AND x1.target_type = $5 AND x1.target_type IS NOT NULL AND ${inner} OFFSET 0))`,
    );
    // The choice reaches a _has inside a chain, and the statements carry it.
    const chain = { kind: 'chain', keys: [7], targetTypes: ['Encounter'], inner: [has] } as const;
    expect(flat(conditionSql(chain, 'r', { p: new SqlParams(), now: 0, innerFirst: new Set([has]) }))).to.contain('(t2.resource_type, t2.id) IN (SELECT');
    const spec = { types: ['Patient'], conditions: [has, { kind: 'id', ids: ['p1'] }] as const, sort: [], limit: 21, now: 0 };
    expect(flat(searchStatement(spec, new Set([has])).text)).to.contain('(r.resource_type, r.id) IN (SELECT');
    expect(flat(searchStatement(spec).text)).to.not.contain(' IN (SELECT');
    expect(flat(countStatement(spec, new Set([has])).text)).to.contain('(r.resource_type, r.id) IN (SELECT');
  });

  it('a next page with no top-level index condition binds no unused cursor parameter', () => {
    const has = { kind: 'has', sourceTypes: ['Observation'], keys: [9], inner: [{ kind: 'id', ids: ['o1'] }] } as const;
    const st = searchStatement({ types: ['Patient'], conditions: [has], sort: [], keyset: { direction: 'after', values: [10] }, limit: 21, now: 0 });
    // PostgreSQL rejects a statement with a parameter it cannot type ("could not determine data type of parameter $1").
    const used = new Set([...st.text.matchAll(/\$(\d+)/g)].map((m) => Number(m[1])));
    expect([...used].sort((a, b) => a - b)).to.deep.equal(st.values.map((_v, i) => i + 1));
  });

  it('the page query orders by the sort keys then sid, with a keyset instead of OFFSET', () => {
    const st = searchStatement({
      types: ['Patient'],
      conditions: [],
      sort: [{ kind: 'index', table: 'date', keys: [1], desc: true }],
      keyset: { direction: 'after', values: [false, '2020-01-01T00:00:00.000Z', 10] },
      limit: 21,
      now: 0,
    });
    const text = flat(st.text);
    expect(text).to.contain('LEFT JOIN LATERAL (SELECT max(x.hi) AS v FROM sp_date x WHERE x.res = r.sid AND x.param = $1) k0 ON true');
    expect(text).to.contain('ORDER BY (k0.v IS NULL) ASC, k0.v DESC, r.sid ASC');
    expect(text).to.contain('((k0.v IS NULL) > $3::boolean) OR ((k0.v IS NULL) = $3::boolean AND k0.v < $4::timestamptz)');
    expect(text).not.to.contain('OFFSET');
  });

  it('one index condition drives the page from its value index (from the cursor on) and is counted there', () => {
    const token = { kind: 'index' as const, keys: [5], match: { table: 'token' as const, values: [{ system: undefined, code: 'c' }] } };
    const page = flat(searchStatement({ types: ['Observation'], conditions: [token], sort: [], keyset: { direction: 'after', values: [99] }, limit: 21, now: 0 }).text);
    expect(page).to.contain('FROM (SELECT DISTINCT x1.res FROM sp_token x1 WHERE x1.param = $1 AND x1.code = $2 AND x1.res > $3::int8 ORDER BY x1.res ASC) d');
    expect(page).to.contain('ORDER BY d.res ASC');
    const count = flat(countStatement({ types: ['Observation'], conditions: [token], now: 0 }).text);
    expect(count).to.equal('SELECT count(*) AS n FROM (SELECT DISTINCT x1.res FROM sp_token x1 WHERE x1.param = $1 AND x1.code = $2) d');
  });
});

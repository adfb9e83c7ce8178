import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { create, ids, link, matchIds, search, sorted } from './support.js';

/**
 * `_has` in its two forms (server/store/search/has-form.ts): servers that
 * never, sometimes (inner criteria of at most 2 rows) and nearly always take
 * the inner-set-first form give the same, right answers, and the form chosen
 * is the one the row counts call for.
 */
describe('search: _has answered correlated or inner set first', () => {
  const tag = randomUUID().slice(0, 8);
  const rare = `urn:test|rare-${tag}`;
  const common = `urn:test|common-${tag}`;
  const servers: Record<'never' | 'small' | 'always', TestServer | undefined> = { never: undefined, small: undefined, always: undefined };
  const p = { a: '', b: '', c: '', d: '', gp: '' };

  const at = (name: keyof typeof servers): TestServer => {
    const s = servers[name];
    if (s === undefined) throw new Error(`server ${name} not started`);
    return s;
  };

  /** The SQL of the page statement a search runs (SEARCH_EXPLAIN). */
  async function pageSql(s: TestServer, query: string): Promise<string> {
    const r = await search(s.base, `${query}&_explain=true`);
    const issues = (r.body?.['issue'] as { diagnostics: string }[] | undefined) ?? [];
    const sql = issues.map((i) => i.diagnostics).find((d) => d.startsWith('SELECT r.sid'));
    if (sql === undefined) throw new Error(`no page statement for ${query}: ${r.text}`);
    return sql;
  }

  before(async () => {
    servers.never = await startTestServer({ searchExplain: true, searchHasInnerFirstRows: 0 });
    servers.small = await startTestServer({ searchExplain: true, searchHasInnerFirstRows: 2 });
    servers.always = await startTestServer({ searchExplain: true, searchHasInnerFirstRows: 1_000_000 });
    const base = at('never').base;
    const family = `Has${tag}`;
    p.gp = await create(base, { resourceType: 'Practitioner', name: [{ family }] });
    p.a = await create(base, { resourceType: 'Patient', name: [{ family }], birthDate: '1980-05-01', generalPractitioner: [{ reference: `Practitioner/${p.gp}` }] });
    p.b = await create(base, { resourceType: 'Patient', name: [{ family }], birthDate: '2001-01-01' });
    p.c = await create(base, { resourceType: 'Patient', name: [{ family }], birthDate: '2002-01-01' });
    p.d = await create(base, { resourceType: 'Patient', name: [{ family }], birthDate: '2003-01-01' });
    const obs = (token: string, subject: string): Record<string, unknown> => {
      const [system, code] = token.split('|');
      return { resourceType: 'Observation', status: 'final', code: { coding: [{ system, code }] }, subject: { reference: subject } };
    };
    for (const who of [p.a, p.b]) await create(base, obs(rare, `Patient/${who}`));
    for (const who of [p.a, p.b, p.c]) await create(base, obs(common, `Patient/${who}`));
    // A reference to another server's Patient with p.d's id: stored with no target type, it must not count for p.d.
    await create(base, obs(common, `http://elsewhere.example/fhir/Patient/${p.d}`));
  });

  after(async () => {
    for (const s of Object.values(servers)) await s?.close();
  });

  const family = (): string => `family=Has${tag}`;
  const cases = (): [string, string[]][] => [
    [`Patient?_has:Observation:patient:code=${rare}`, [p.a, p.b]],
    [`Patient?_has:Observation:patient:code=${rare}&birthdate=ge2000`, [p.b]],
    [`Patient?_has:Observation:patient:code=${common}`, [p.a, p.b, p.c]],
    [`Patient?_has:Observation:patient:code=${common}&birthdate=ge2000`, [p.b, p.c]],
    // A common criterion (every run's Observations are final) with another condition.
    [`Patient?_has:Observation:patient:status=final&${family()}`, [p.a, p.b, p.c]],
    [`Patient?_has:Observation:patient:code=${rare}&_has:Observation:patient:code=${common}&birthdate=ge2000`, [p.b]],
    [`Patient?_has:Observation:patient:code:not=${rare}&${family()}`, [p.a, p.b, p.c]],
    [`Practitioner?_has:Patient:general-practitioner:_has:Observation:patient:code=${rare}`, [p.gp]],
    [`Practitioner?_has:Patient:general-practitioner:_has:Observation:patient:code=${common}&_has:Patient:general-practitioner:birthdate=ge2000`, []],
  ];

  for (const name of ['never', 'small', 'always'] as const) {
    it(`finds the same resources whatever the form (${name} inner set first)`, async () => {
      for (const [query, expected] of cases()) expect(await ids(at(name).base, query), query).to.deep.equal(sorted(expected));
    });

    it(`counts and pages the same (${name} inner set first)`, async () => {
      const count = await search(at(name).base, `Patient?_has:Observation:patient:code=${common}&_summary=count`);
      expect(count.body?.['total']).to.equal(3);
      const first = await search(at(name).base, `Patient?_has:Observation:patient:code=${common}&_count=2`);
      const next = link(first, 'next');
      expect(next).to.be.a('string');
      const second = await search(at(name).base, (next ?? '').slice(at(name).base.length + 1));
      expect(sorted([...matchIds(first), ...matchIds(second)])).to.deep.equal(sorted([p.a, p.b, p.c]));
    });
  }

  it('takes the inner-set-first form exactly when an inner criterion has few enough rows', async () => {
    const rareQuery = `Patient?_has:Observation:patient:code=${rare}&birthdate=ge2000`;
    const commonQuery = `Patient?_has:Observation:patient:code=${common}&birthdate=ge2000`;
    const innerFirst = (sql: string): boolean => sql.includes('(r.resource_type, r.id) IN (SELECT');
    expect(innerFirst(await pageSql(at('never'), rareQuery))).to.equal(false);
    // 2 rows of the rare code: within the bound of 2; 4 of the common one: over it.
    expect(innerFirst(await pageSql(at('small'), rareQuery))).to.equal(true);
    expect(innerFirst(await pageSql(at('small'), commonQuery))).to.equal(false);
    expect(innerFirst(await pageSql(at('always'), commonQuery))).to.equal(true);
  });
});

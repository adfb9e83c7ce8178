import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { loadConfig } from '../../../server/config/load.js';
import { createFhirServices } from '../../../server/fhir/services.js';
import { createPool, type Pool } from '../../../server/store/db.js';
import { ResourceStore } from '../../../server/store/resource-store.js';
import { matchManyStatements, type MatchCriteria } from '../../../server/store/search/match-many-sql.js';
import { SearchStore } from '../../../server/store/search/search-store.js';
import { sharedValidator, testDatabaseUrl } from '../../helpers/server.js';

/**
 * Conditional creates of a Bundle are matched together (CriteriaMatcher.prematch):
 * criteria of one shape in one templated statement, the others as UNION ALL branches.
 * Whatever the grouping, each criteria must find exactly what matching it alone finds.
 */
describe('SearchStore.matchMany: many criteria at once, as each alone', () => {
  let pool: Pool;
  before(() => {
    pool = createPool(testDatabaseUrl(), 4);
  });
  after(async () => {
    await pool.end();
  });

  it('finds for each criteria what a match of it alone finds: none, one or two, whatever the values hold', async () => {
    const { repository, search } = createFhirServices(new ResourceStore(pool), sharedValidator(), loadConfig({}), 'http://test/fhir');
    const sys = `urn:run:${randomUUID()}`;
    // Values that need escaping in an array literal, and one value two Patients share.
    const odd = ['a,b', 'quote"d', 'back\\slash', '{braces}', 'NULL', 'ünï cödé', ' spaced '];
    const patient = (value: string, family: string): Record<string, unknown> => ({
      resourceType: 'Patient',
      identifier: [{ system: sys, value }],
      name: [{ family }],
      birthDate: '1970-01-02',
    });
    for (const [i, v] of odd.entries()) await repository.create('Patient', patient(v, `Odd${String(i)}`));
    await repository.create('Patient', patient('shared', 'Twin'));
    await repository.create('Patient', patient('shared', 'Twin'));
    const doctor = await repository.create('Practitioner', { resourceType: 'Practitioner', identifier: [{ system: sys, value: 'a,b' }] });
    const doctorId = doctor.kind === 'written' ? doctor.id : '';
    await repository.create('Patient', { ...patient('chained', 'Chained'), gender: 'female', generalPractitioner: [{ reference: `Practitioner/${doctorId}` }] });

    // FHIR search escapes `\`, `,`, `|` and `$` in values (https://hl7.org/fhir/R4/search.html#escaping).
    const escaped = (v: string): string => v.replace(/[\\,|$]/g, (c) => `\\${c}`);
    const queries: [string, string][] = [
      ...odd.map((v): [string, string] => ['Patient', `identifier=${encodeURIComponent(`${sys}|${escaped(v)}`)}`]),
      ['Patient', `identifier=${encodeURIComponent(`${sys}|shared`)}`],
      ['Patient', `identifier=${encodeURIComponent(`${sys}|nobody`)}`],
      ['Practitioner', `identifier=${encodeURIComponent(`${sys}|a\\,b`)}`],
      ['Practitioner', `identifier=${encodeURIComponent(`${sys}|quote"d`)}`],
      // Several values (an array parameter: not templated), a string and a date parameter.
      ['Patient', `identifier=${encodeURIComponent(`${sys}|shared`)},${encodeURIComponent(`${sys}|{braces}`)}`],
      ['Patient', `family=Odd3&identifier=${encodeURIComponent(`${sys}|NULL`)}`],
      ['Patient', `family=Odd4&identifier=${encodeURIComponent(`${sys}|NULL`)}`],
      ['Patient', `birthdate=1970-01-02&identifier=${encodeURIComponent(`${sys}|shared`)}`],
      ['Patient', `birthdate=1970-01-03&identifier=${encodeURIComponent(`${sys}|shared`)}`],
      // Other kinds of parameter: _id, _lastUpdated, a token without system, a chain, _has.
      ['Practitioner', `_id=${doctorId}`],
      ['Patient', `_lastUpdated=gt2000-01-01&identifier=${encodeURIComponent(`${sys}|chained`)}`],
      ['Patient', `_lastUpdated=lt2000-01-01&identifier=${encodeURIComponent(`${sys}|chained`)}`],
      ['Patient', `gender=female&identifier=${encodeURIComponent(`${sys}|chained`)}`],
      ['Patient', `general-practitioner.identifier=${encodeURIComponent(`${sys}|a\\,b`)}`],
      ['Practitioner', `_has:Patient:general-practitioner:identifier=${encodeURIComponent(`${sys}|chained`)}`],
      ['Practitioner', `_has:Patient:general-practitioner:identifier=${encodeURIComponent(`${sys}|shared`)}`],
    ];
    const items: MatchCriteria[] = [];
    for (const [type, q] of queries) items.push({ types: [type], conditions: await search.indexer.criteria(type, q) });

    const statements = matchManyStatements(items, 2, Date.now());
    expect(statements.some((s) => s.text.includes('CROSS JOIN LATERAL')), 'criteria of one shape are templated').to.equal(true);
    expect(statements.some((s) => !s.text.includes('CROSS JOIN LATERAL')), 'the several-values one is a branch').to.equal(true);

    const store = new SearchStore(pool);
    const together = (await store.matchMany(items, 2)).map((rows) => rows.map((r) => r.id).sort());
    const alone = await Promise.all(items.map(async (m) => (await store.match(m.types, m.conditions, 2)).sort()));
    expect(together).to.deep.equal(alone);
    // And what each should find: one per odd value, the two twins, nobody, the Practitioner and
    // no other one, two of the three (limit 2), Odd4 holds NULL (Odd3 does not), the twins by birth
    // date; then the Practitioner by id, the chained Patient written after 2000 (not before), a
    // female, the Patient by its practitioner's identifier, the Practitioner by its patient's (not by the twins').
    expect(together.map((ids) => ids.length)).to.deep.equal([1, 1, 1, 1, 1, 1, 1, 2, 0, 1, 0, 2, 0, 1, 2, 0, 1, 1, 0, 1, 1, 1, 0]);
    // Rows carry the version and the stored JSON a conditional create answers with.
    const [first] = await store.matchMany(items.slice(0, 1), 2);
    expect(first?.[0]?.version_id).to.equal(1);
    expect(JSON.parse(first?.[0]?.json ?? '{}')).to.have.nested.property('identifier[0].value', 'a,b');
  });

  it('keeps each criteria\'s position across shapes and statements', () => {
    // Several types are an array parameter (bound whole as a `text[]`): that criteria is a branch of its own.
    const items: MatchCriteria[] = [{ types: ['Patient'], conditions: [] }, { types: ['Practitioner', 'Patient'], conditions: [] }, { types: ['Organization'], conditions: [] }];
    const statements = matchManyStatements(items, 2, 0);
    expect(statements).to.have.length(2);
    expect(statements[0]?.values).to.deep.equal([[0, 2], ['Patient', 'Organization'], 2]);
    expect(statements[1]?.text).to.match(/^\(SELECT 1 AS k,/);
    expect(statements[1]?.values).to.deep.equal([2, ['Practitioner', 'Patient']]);
  });
});

import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { create, ids, sorted } from './support.js';

/** Every parameter type with its modifiers and prefixes, over hand-built data whose hits are known. */
describe('search: parameter types, modifiers and prefixes', () => {
  let s: TestServer;
  const tag = randomUUID();
  const T = `urn:types:${tag}`;
  const p: Record<string, string> = {};
  const o: Record<string, string> = {};
  const only = (q: string): string => `${q}&identifier=${T}|`;
  const obs = (name: string, extra: Record<string, unknown>): Record<string, unknown> => ({
    resourceType: 'Observation',
    identifier: [{ system: T, value: name }],
    status: 'final',
    code: { coding: [{ system: 'http://loinc.org', code: '8480-6', display: 'Systolic blood pressure' }], text: `Systolic ${tag}` },
    ...extra,
  });

  before(async () => {
    s = await startTestServer();
    const pat = (name: string, extra: Record<string, unknown>): Promise<string> =>
      create(s.base, { resourceType: 'Patient', identifier: [{ system: T, value: name }], ...extra });
    p['anna'] = await pat('anna', {
      name: [{ family: 'Müller', given: ['Anna'] }],
      birthDate: '1980-05-06',
      gender: 'female',
      active: true,
      telecom: [{ system: 'phone', value: `555-${tag}` }],
      address: [{ city: 'Paris' }],
      meta: { profile: [`http://example.org/fhir/StructureDefinition/${tag}/patient`] },
    });
    p['bob'] = await pat('bob', { name: [{ family: 'Mullerson', given: ['Bob'] }], birthDate: '1980', gender: 'male', deceasedDateTime: '2020-01-01' });
    p['cy'] = await pat('cy', { name: [{ family: 'Smith' }], birthDate: '1990-01-01', gender: 'other' });
    p['dee'] = await pat('dee', { gender: 'unknown' });
    o['o1'] = await create(s.base, obs('o1', { effectiveDateTime: '2020-01-15T10:00:00Z', subject: { reference: `Patient/${p['anna']}` }, valueQuantity: { value: 150, system: 'http://unitsofmeasure.org', code: 'mm[Hg]', unit: 'mmHg' } }));
    o['o2'] = await create(s.base, obs('o2', { effectivePeriod: { start: '2020-01-10', end: '2020-02-20' }, subject: { reference: `${s.base}/Patient/${p['bob']}` }, valueQuantity: { value: 90.5, system: 'http://unitsofmeasure.org', code: 'kg', unit: 'kg' } }));
    o['o3'] = await create(s.base, obs('o3', { effectiveDateTime: '2019-12-31', subject: { reference: `Group/${tag}` } }));
    o['o4'] = await create(s.base, obs('o4', { effectiveDateTime: '2020-01-15T11:00:00+01:00', subject: { identifier: { system: T, value: 'logical' } } }));
    o['o5'] = await create(s.base, obs('o5', { effectiveDateTime: '2000-01-01', code: { coding: [{ system: 'http://loinc.org', code: '85354-9' }] }, component: [
      { code: { coding: [{ system: 'http://loinc.org', code: '8480-6' }] }, valueQuantity: { value: 120, unit: 'mmHg' } },
      { code: { coding: [{ system: 'http://loinc.org', code: '8462-4' }] }, valueQuantity: { value: 80, unit: 'mmHg' } },
    ] }));
  });
  after(() => s.close());

  it('string: case- and accent-insensitive starts-with over all name parts; :exact; :contains', async () => {
    expect(await ids(s.base, only('Patient?name=mul'))).to.deep.equal(sorted([p['anna']!, p['bob']!]));
    expect(await ids(s.base, only('Patient?name=ANNA'))).to.deep.equal([p['anna']]);
    expect(await ids(s.base, only('Patient?family:exact=Müller'))).to.deep.equal([p['anna']]);
    expect(await ids(s.base, only('Patient?family:exact=muller'))).to.deep.equal([]);
    expect(await ids(s.base, only('Patient?family:contains=LERS'))).to.deep.equal([p['bob']]);
    expect(await ids(s.base, only('Patient?address-city=par'))).to.deep.equal([p['anna']]);
  });

  it('token: code, system|code, :not, :text, :of-type, booleans, ContactPoint, fallback expressions', async () => {
    expect(await ids(s.base, only('Patient?gender=female'))).to.deep.equal([p['anna']]);
    expect(await ids(s.base, only('Patient?gender=http://hl7.org/fhir/administrative-gender|male'))).to.deep.equal([p['bob']]);
    expect(await ids(s.base, only('Patient?gender=http://other|male'))).to.deep.equal([]);
    expect(await ids(s.base, only('Patient?gender:not=female'))).to.deep.equal(sorted([p['bob']!, p['cy']!, p['dee']!]));
    expect(await ids(s.base, only('Patient?active=true'))).to.deep.equal([p['anna']]);
    expect(await ids(s.base, `Patient?telecom=555-${tag}`)).to.deep.equal([p['anna']]);
    expect(await ids(s.base, only('Patient?deceased=true'))).to.deep.equal([p['bob']]);
    expect(await ids(s.base, only(`Observation?code:text=systolic ${tag}`))).to.have.length(4);
    expect(await ids(s.base, `Observation?identifier=${T}|o1,${T}|o3`)).to.deep.equal(sorted([o['o1']!, o['o3']!]));
  });

  it('values too long for a B-tree entry are clipped, not refused, and still match', async () => {
    const long = `${tag}-${'é'.repeat(1200)}`;
    const id = await create(s.base, { resourceType: 'Patient', identifier: [{ system: `${T}/${'s'.repeat(1000)}`, value: long }], name: [{ family: long }] });
    expect(await ids(s.base, `Patient?identifier=${encodeURIComponent(long)}`)).to.deep.equal([id]);
    expect(await ids(s.base, `Patient?family:exact=${encodeURIComponent(long)}`)).to.deep.equal([id]);
  });

  it('token :of-type matches an identifier by its type', async () => {
    const id = await create(s.base, { resourceType: 'Patient', identifier: [{ system: 'urn:mrn', value: `mrn-${tag}`, type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'MR' }] } }] });
    expect(await ids(s.base, `Patient?identifier:of-type=http://terminology.hl7.org/CodeSystem/v2-0203|MR|mrn-${tag}`)).to.deep.equal([id]);
    expect(await ids(s.base, `Patient?identifier:of-type=http://terminology.hl7.org/CodeSystem/v2-0203|SS|mrn-${tag}`)).to.deep.equal([]);
  });

  it('date: every prefix against instants, dates and Periods at their precision', async () => {
    const d = async (q: string): Promise<string[]> => ids(s.base, only(`Observation?date=${q}`));
    const [o1, o2, o3, o4, o5] = ['o1', 'o2', 'o3', 'o4', 'o5'].map((k) => o[k] ?? '');
    expect(await d('2020-01-15')).to.deep.equal(sorted([o1!, o4!]));
    expect(await d('eq2020-01')).to.deep.equal(sorted([o1!, o4!]));
    expect(await d('ne2020-01')).to.deep.equal(sorted([o2!, o3!, o5!]));
    expect(await d('gt2020-01-31')).to.deep.equal([o2]);
    expect(await d('lt2020-01-01')).to.deep.equal(sorted([o3!, o5!]));
    expect(await d('ge2020-01-15')).to.deep.equal(sorted([o1!, o2!, o4!]));
    expect(await d('le2020-01-15')).to.deep.equal(sorted([o1!, o2!, o3!, o4!, o5!]));
    expect(await d('sa2020-01-01')).to.deep.equal(sorted([o1!, o2!, o4!]));
    expect(await d('eb2020-01-12')).to.deep.equal(sorted([o3!, o5!]));
    expect(await d('ap2020-01-15')).to.include.members([o1!, o4!]);
    expect(await d('ap2020-01-15')).not.to.include(o5);
    // 15:00+05:00 is 10:00Z, the minute of o1 and o4; a search time without a zone is taken as UTC.
    expect(await d(encodeURIComponent('2020-01-15T15:00+05:00'))).to.deep.equal(sorted([o1!, o4!]));
    expect(await d('2020-01-15T10:00')).to.deep.equal(sorted([o1!, o4!]));
    expect(await d('2020-01-15T11:00')).to.deep.equal([]);
    expect(await ids(s.base, only('Patient?birthdate=1980'))).to.deep.equal(sorted([p['anna']!, p['bob']!]));
    expect(await ids(s.base, only('Patient?birthdate=1980-05'))).to.deep.equal([p['anna']]);
  });

  it('number: precision on eq, exact on gt/lt, ap', async () => {
    const risk = (v: number): Record<string, unknown> => ({
      resourceType: 'RiskAssessment',
      identifier: [{ system: T, value: `r${v}` }],
      status: 'final',
      subject: { reference: `Patient/${p['anna'] ?? ''}` },
      prediction: [{ probabilityDecimal: v }],
    });
    const r1 = await create(s.base, risk(0.5));
    const r2 = await create(s.base, risk(0.25));
    const n = async (q: string): Promise<string[]> => ids(s.base, only(`RiskAssessment?probability=${q}`));
    expect(await n('0.5')).to.deep.equal([r1]);
    expect(await n('0.50')).to.deep.equal([r1]);
    // 0.3 means [0.25, 0.35) at its precision; 0.30 means [0.295, 0.305).
    expect(await n('0.3')).to.deep.equal([r2]);
    expect(await n('0.30')).to.deep.equal([]);
    expect(await n('0.2')).to.deep.equal([]);
    expect(await n('3e-1')).to.deep.equal([r2]);
    expect(await n('gt0.3')).to.deep.equal([r1]);
    expect(await n('lt0.3')).to.deep.equal([r2]);
    expect(await n('le0.25')).to.deep.equal([r2]);
    expect(await n('ap0.52')).to.deep.equal([r1]);
  });

  it('quantity: value with prefixes, system|code and ||unit', async () => {
    const q = async (v: string): Promise<string[]> => ids(s.base, only(`Observation?value-quantity=${encodeURIComponent(v)}`));
    expect(await q('150')).to.deep.equal([o['o1']]);
    expect(await q('gt100')).to.deep.equal([o['o1']]);
    expect(await q('lt100|http://unitsofmeasure.org|kg')).to.deep.equal([o['o2']]);
    expect(await q('90.5||kg')).to.deep.equal([o['o2']]);
    expect(await q('ge90|http://unitsofmeasure.org|mm[Hg]')).to.deep.equal([o['o1']]);
    expect(await q('150|http://unitsofmeasure.org|kg')).to.deep.equal([]);
  });

  it('reference: Type/id, id, absolute URL of this server, :Type, :identifier, restricted targets, :missing', async () => {
    expect(await ids(s.base, only(`Observation?subject=Patient/${p['anna'] ?? ''}`))).to.deep.equal([o['o1']]);
    expect(await ids(s.base, only(`Observation?subject=${p['anna'] ?? ''}`))).to.deep.equal([o['o1']]);
    expect(await ids(s.base, only(`Observation?subject:Patient=${p['bob'] ?? ''}`))).to.deep.equal([o['o2']]);
    expect(await ids(s.base, only(`Observation?subject=${encodeURIComponent(`${s.base}/Patient/${p['bob'] ?? ''}`)}`))).to.deep.equal([o['o2']]);
    expect(await ids(s.base, only(`Observation?subject:identifier=${T}|logical`))).to.deep.equal([o['o4']]);
    expect(await ids(s.base, only(`Observation?subject=Group/${tag}`))).to.deep.equal([o['o3']]);
    expect(await ids(s.base, only(`Observation?patient=Group/${tag}`))).to.deep.equal([]);
    expect(await ids(s.base, only('Observation?subject:missing=true'))).to.deep.equal(sorted([o['o4']!, o['o5']!]));
    expect(await ids(s.base, only('Observation?patient:missing=false'))).to.deep.equal(sorted([o['o1']!, o['o2']!]));
  });

  it('uri: exact, :below, :above (on _profile and url)', async () => {
    const prof = `http://example.org/fhir/StructureDefinition/${tag}/patient`;
    expect(await ids(s.base, `Patient?_profile=${prof}`)).to.deep.equal([p['anna']]);
    expect(await ids(s.base, `Patient?_profile:below=http://example.org/fhir/StructureDefinition/${tag}`)).to.deep.equal([p['anna']]);
    expect(await ids(s.base, `Patient?_profile:below=http://example.org/fhir/StructureDefinition/${tag.slice(0, 8)}`)).to.deep.equal([]);
    const vs = await create(s.base, { resourceType: 'ValueSet', status: 'active', url: `http://example.org/vs/${tag}` });
    expect(await ids(s.base, `ValueSet?url:above=http://example.org/vs/${tag}/child/x`)).to.deep.equal([vs]);
    expect(await ids(s.base, `ValueSet?url=http://example.org/vs/${tag}/child`)).to.deep.equal([]);
  });

  it('composite: token$quantity on the resource and on its components', async () => {
    expect(await ids(s.base, only('Observation?code-value-quantity=http://loinc.org|8480-6$gt140'))).to.deep.equal([o['o1']]);
    expect(await ids(s.base, only('Observation?code-value-quantity=http://loinc.org|8480-6$lt140'))).to.deep.equal([o['o2']]);
    expect(await ids(s.base, only('Observation?code-value-quantity=http://loinc.org|8480-6$lt90'))).to.deep.equal([]);
    expect(await ids(s.base, only('Observation?component-code-value-quantity=http://loinc.org|8462-4$lt90'))).to.deep.equal([o['o5']]);
    expect(await ids(s.base, only('Observation?component-code-value-quantity=http://loinc.org|8462-4$gt90'))).to.deep.equal([]);
    expect(await ids(s.base, only('Observation?combo-code-value-quantity=8480-6$ge120'))).to.deep.equal(sorted([o['o1']!, o['o5']!]));
  });

  it(':missing on every kind, and special `near` on Location.position', async () => {
    expect(await ids(s.base, only('Patient?birthdate:missing=true'))).to.deep.equal([p['dee']]);
    expect(await ids(s.base, only('Patient?name:missing=true'))).to.deep.equal([p['dee']]);
    expect(await ids(s.base, only('Observation?value-quantity:missing=false'))).to.deep.equal(sorted([o['o1']!, o['o2']!]));
    expect(await ids(s.base, only('Observation?code-value-quantity:missing=false'))).to.deep.equal(sorted([o['o1']!, o['o2']!]));
    const loc = await create(s.base, { resourceType: 'Location', identifier: [{ system: T, value: 'loc' }], position: { latitude: 42.37, longitude: -71.11 } });
    expect(await ids(s.base, only('Location?near=42.372|-71.112|1|km'))).to.deep.equal([loc]);
    expect(await ids(s.base, only('Location?near=42.5|-71.11|1|km'))).to.deep.equal([]);
    expect(await ids(s.base, only('Location?near=42.5|-71.11|20|km'))).to.deep.equal([loc]);
  });
});

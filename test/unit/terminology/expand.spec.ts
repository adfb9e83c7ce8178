import { expect } from 'chai';
import { TerminologyError } from '../../../server/terminology/errors.js';
import { expandToValueSet } from '../../../server/terminology/expand.js';
import { terminology, VISIT } from './fixture.js';

/** $expand semantics (https://hl7.org/fhir/R4/valueset-operation-expand.html), without HTTP. */

type Contains = { system: string; code: string; display?: string; abstract?: boolean; designation?: { value: string }[] };

function expand(vs: Record<string, unknown>, req: Parameters<typeof expandToValueSet>[2] = {}): { total: number; offset: number; contains: Contains[] } {
  const out = expandToValueSet(terminology(), vs, req);
  const e = out['expansion'] as { total: number; offset: number; contains?: Contains[] };
  return { total: e.total, offset: e.offset, contains: e.contains ?? [] };
}

function byUrl(url: string): Record<string, unknown> {
  const vs = terminology().valueSet(url);
  if (vs === undefined) throw new Error(`missing ${url}`);
  return vs;
}

function inline(include: Record<string, unknown>[], exclude: Record<string, unknown>[] = []): Record<string, unknown> {
  return { resourceType: 'ValueSet', status: 'active', compose: { include, ...(exclude.length > 0 ? { exclude } : {}) } };
}

describe('terminology: $expand', () => {
  it('expands a whole R4 code system with its displays', () => {
    const e = expand(byUrl('http://hl7.org/fhir/ValueSet/administrative-gender'));
    expect(e.total).to.equal(4);
    expect(e.contains.map((c) => c.code)).to.deep.equal(['male', 'female', 'other', 'unknown']);
    expect(e.contains[0]?.display).to.equal('Male');
  });

  it('expands an HL7 v2 table (0203, identifier types)', () => {
    const e = expand(byUrl('http://terminology.hl7.org/ValueSet/v2-0203'));
    expect(e.total).to.be.greaterThan(100);
    expect(e.contains.some((c) => c.system === 'http://terminology.hl7.org/CodeSystem/v2-0203' && c.code === 'MR')).to.equal(true);
  });

  it('pages with offset and count, and narrows with a text filter', () => {
    const all = expand(byUrl('http://terminology.hl7.org/ValueSet/v2-0203'));
    const page = expand(byUrl('http://terminology.hl7.org/ValueSet/v2-0203'), { offset: 10, count: 5 });
    expect(page.total).to.equal(all.total);
    expect(page.offset).to.equal(10);
    expect(page.contains.map((c) => c.code)).to.deep.equal(all.contains.slice(10, 15).map((c) => c.code));
    const filtered = expand(byUrl('http://terminology.hl7.org/ValueSet/v2-0203'), { filter: 'medical rec' });
    expect(filtered.contains.map((c) => c.code)).to.include('MR');
    expect(filtered.contains.every((c) => /medical/i.test(c.display ?? '') && /rec/i.test(c.display ?? ''))).to.equal(true);
  });

  it('follows nested value sets: R4 coverage-type includes the v3 ActCoverageTypeCode value set (an is-a filter)', () => {
    const e = expand(byUrl('http://hl7.org/fhir/ValueSet/coverage-type'));
    const systems = new Set(e.contains.map((c) => c.system));
    expect(systems).to.deep.equal(new Set(['http://terminology.hl7.org/CodeSystem/coverage-selfpay', 'http://terminology.hl7.org/CodeSystem/v3-ActCode']));
    expect(e.contains.map((c) => c.code)).to.include.members(['pay', 'EHCPOL', 'PUBLICPOL']);
  });

  it('our bookable services: a nested value set of visit types (is-a) plus enumerated HL7 service types', () => {
    const e = expand(byUrl('http://pms.example.org/fhir/ValueSet/pms-service-type'));
    expect(e.contains.map((c) => c.code)).to.deep.equal(['visit', 'in-person', 'new-patient', 'follow-up', 'annual-physical', 'telehealth', 'video', 'phone', '124', '59', '65', '88']);
    expect(e.contains.find((c) => c.code === 'visit')?.abstract).to.equal(true);
    const selectable = expand(byUrl('http://pms.example.org/fhir/ValueSet/pms-service-type'), { excludeNotForUI: true });
    expect(selectable.contains.map((c) => c.code)).to.not.include.members(['visit', 'in-person', 'telehealth']);
  });

  it('filters: is-a, descendent-of, is-not-a, =, in, regex, exists', () => {
    const codes = (f: Record<string, unknown>): string[] => expand(inline([{ system: VISIT, filter: [f] }])).contains.map((c) => c.code);
    expect(codes({ property: 'concept', op: 'is-a', value: 'telehealth' })).to.deep.equal(['telehealth', 'video', 'phone']);
    expect(codes({ property: 'concept', op: 'descendent-of', value: 'telehealth' })).to.deep.equal(['video', 'phone']);
    expect(codes({ property: 'concept', op: 'is-not-a', value: 'in-person' })).to.deep.equal(['visit', 'telehealth', 'video', 'phone']);
    expect(codes({ property: 'duration', op: '=', value: '15' })).to.deep.equal(['follow-up', 'video']);
    expect(codes({ property: 'concept', op: 'in', value: 'video,phone,nope' })).to.deep.equal(['video', 'phone']);
    expect(codes({ property: 'code', op: 'regex', value: '[a-z]+-[a-z]+' })).to.deep.equal(['in-person', 'new-patient', 'follow-up', 'annual-physical']);
    expect(codes({ property: 'duration', op: 'exists', value: 'false' })).to.deep.equal(['visit', 'in-person', 'telehealth']);
    // Two filters in one include intersect.
    const both = expand(inline([{ system: VISIT, filter: [{ property: 'concept', op: 'is-a', value: 'in-person' }, { property: 'duration', op: '=', value: '15' }] }]));
    expect(both.contains.map((c) => c.code)).to.deep.equal(['follow-up']);
  });

  it('excludes, and R4 filters of the package (v2-0131 is-not-a O)', () => {
    const e = expand(inline([{ system: VISIT }], [{ system: VISIT, concept: [{ code: 'visit' }, { code: 'in-person' }, { code: 'telehealth' }] }]));
    expect(e.contains.map((c) => c.code)).to.deep.equal(['new-patient', 'follow-up', 'annual-physical', 'video', 'phone']);
    const contact = expand(byUrl('http://hl7.org/fhir/ValueSet/patient-contactrelationship'));
    expect(contact.contains.map((c) => c.code)).to.include('C').and.not.include('O');
  });

  it('includes designations on request', () => {
    const plain = expand(inline([{ system: VISIT, concept: [{ code: 'annual-physical' }] }]));
    expect(plain.contains[0]?.designation).to.equal(undefined);
    const withDesignations = expand(inline([{ system: VISIT, concept: [{ code: 'annual-physical' }] }]), { includeDesignations: true });
    expect(withDesignations.contains[0]?.designation?.map((d) => d.value)).to.deep.equal(['Bilan de santé annuel']);
  });

  it('refuses what it cannot expand: a system it does not hold, an unknown nested value set, a bad filter', () => {
    const kinds = (vs: Record<string, unknown>): string => {
      try {
        expand(vs);
        return 'expanded';
      } catch (err: unknown) {
        return err instanceof TerminologyError ? err.kind : 'other';
      }
    };
    expect(kinds(inline([{ system: 'http://loinc.org' }]))).to.equal('not-supported');
    expect(kinds(inline([{ valueSet: ['http://example.org/ValueSet/none'] }]))).to.equal('not-found');
    expect(kinds(inline([{ system: VISIT, filter: [{ property: 'concept', op: 'regex', value: '(' }] }]))).to.equal('invalid');
    expect(kinds(inline([{ system: VISIT, filter: [{ property: 'concept', op: 'child-of', value: 'visit' }] }]))).to.equal('not-supported');
  });
});

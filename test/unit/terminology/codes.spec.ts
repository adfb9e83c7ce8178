import { expect } from 'chai';
import { TerminologyError } from '../../../server/terminology/errors.js';
import { lookup, subsumes } from '../../../server/terminology/lookup.js';
import { translate } from '../../../server/terminology/translate.js';
import { validateInCodeSystem, validateInValueSet } from '../../../server/terminology/validate-code.js';
import { terminology, VISIT } from './fixture.js';

/**
 * $validate-code, $lookup, $subsumes and $translate semantics
 * (https://hl7.org/fhir/R4/terminology-service.html), and value set membership as the
 * validator uses it.
 */

const GENDER_VS = 'http://hl7.org/fhir/ValueSet/administrative-gender';
const GENDER = 'http://hl7.org/fhir/administrative-gender';

function cs(url: string): NonNullable<ReturnType<ReturnType<typeof terminology>['codeSystem']>> {
  const found = terminology().codeSystem(url);
  if (found === undefined) throw new Error(`missing ${url}`);
  return found;
}

describe('terminology: codes', () => {
  describe('$validate-code on a value set', () => {
    it('a member, with its display; a wrong display; a non-member', () => {
      expect(validateInValueSet(terminology(), GENDER_VS, [{ system: GENDER, code: 'female' }])).to.deep.equal({ result: true, display: 'Female' });
      const wrongDisplay = validateInValueSet(terminology(), GENDER_VS, [{ system: GENDER, code: 'female', display: 'Woman' }]);
      expect(wrongDisplay.result).to.equal(false);
      expect(wrongDisplay.message).to.include("'Woman'");
      expect(validateInValueSet(terminology(), GENDER_VS, [{ system: GENDER, code: 'robot' }]).result).to.equal(false);
    });

    it('a CodeableConcept is valid when one coding is; a code without a system is found by code', () => {
      const cc = [{ system: 'http://example.org/local', code: 'F' }, { system: GENDER, code: 'female' }];
      expect(validateInValueSet(terminology(), GENDER_VS, cc).result).to.equal(true);
      expect(validateInValueSet(terminology(), GENDER_VS, [{ code: 'male' }]).result).to.equal(true);
    });

    it('abstract codes are not valid unless allowed; nested value sets and filters count', () => {
      const vs = 'http://pms.example.org/fhir/ValueSet/pms-service-type';
      expect(validateInValueSet(terminology(), vs, [{ system: VISIT, code: 'telehealth' }]).result).to.equal(false);
      expect(validateInValueSet(terminology(), vs, [{ system: VISIT, code: 'telehealth' }], true).result).to.equal(true);
      expect(validateInValueSet(terminology(), vs, [{ system: VISIT, code: 'video' }]).result).to.equal(true);
      expect(validateInValueSet(terminology(), 'http://pms.example.org/fhir/ValueSet/pms-telehealth-visits', [{ system: VISIT, code: 'follow-up' }]).result).to.equal(false);
    });

    it('LOINC, SNOMED CT and RxNorm are not held: unknown, unless a held value set enumerates the code', () => {
      const unknown = terminology().memberOf('http://hl7.org/fhir/ValueSet/observation-codes', 'http://loinc.org', '2823-3');
      expect(unknown.kind).to.equal('unknown');
      // observation-vitalsignresult lists its LOINC codes
      expect(terminology().memberOf('http://hl7.org/fhir/ValueSet/observation-vitalsignresult', 'http://loinc.org', '8867-4').kind).to.equal('member');
      expect(terminology().memberOf('http://hl7.org/fhir/ValueSet/observation-vitalsignresult', 'http://loinc.org', '2823-3').kind).to.equal('not-member');
      expect(validateInValueSet(terminology(), 'http://hl7.org/fhir/ValueSet/observation-codes', [{ system: 'http://loinc.org', code: '2823-3' }]).message).to.include('LOINC');
    });

    it('grammar-based systems: mime types, languages, currencies, UCUM units', () => {
      const m = (vs: string, system: string, code: string): string => terminology().memberOf(vs, system, code).kind;
      expect(m('http://hl7.org/fhir/ValueSet/mimetypes', 'urn:ietf:bcp:13', 'application/fhir+json')).to.equal('member');
      expect(m('http://hl7.org/fhir/ValueSet/mimetypes', 'urn:ietf:bcp:13', 'not a mime type')).to.equal('not-member');
      expect(m('http://hl7.org/fhir/ValueSet/all-languages', 'urn:ietf:bcp:47', 'fr-CA')).to.equal('member');
      expect(m('http://hl7.org/fhir/ValueSet/currencies', 'urn:iso:std:iso:4217', 'EUR')).to.equal('member');
      expect(m('http://hl7.org/fhir/ValueSet/currencies', 'urn:iso:std:iso:4217', 'EURO')).to.equal('not-member');
      expect(m('http://hl7.org/fhir/ValueSet/ucum-units', 'http://unitsofmeasure.org', 'mg/dL')).to.equal('member');
      expect(m('http://hl7.org/fhir/ValueSet/ucum-units', 'http://unitsofmeasure.org', 'furlongs')).to.equal('not-member');
    });
  });

  describe('$validate-code on a code system', () => {
    it('a defined code (nested), an undefined one, a wrong display', () => {
      const visits = cs(VISIT);
      expect(validateInCodeSystem(visits, [{ code: 'phone' }])).to.deep.equal({ result: true, display: 'Telephone consultation' });
      expect(validateInCodeSystem(visits, [{ code: 'fax' }]).result).to.equal(false);
      expect(validateInCodeSystem(visits, [{ code: 'annual-physical', display: 'Bilan de santé annuel' }]).result).to.equal(true);
      expect(validateInCodeSystem(visits, [{ code: 'phone', display: 'Video' }]).result).to.equal(false);
    });
  });

  describe('$lookup', () => {
    it('name, display, designations and properties (parent, child, our duration)', () => {
      const r = lookup(cs(VISIT), 'annual-physical');
      expect(r.name).to.equal('PMS visit types');
      expect(r.display).to.equal('Annual physical examination');
      expect(r.designations.map((d) => d['value'])).to.deep.equal(['Bilan de santé annuel']);
      const props = r.properties.map((p) => `${p.code}=${JSON.stringify(p.value)}`);
      expect(props).to.include('parent={"valueCode":"in-person"}');
      expect(props).to.include('duration={"valueInteger":30}');
      expect(lookup(cs(VISIT), 'in-person', ['child']).properties.map((p) => p.value['valueCode'])).to.deep.equal(['new-patient', 'follow-up', 'annual-physical']);
    });

    it('a v3 code with its hierarchy from the package; an unknown code is not found', () => {
      const r = lookup(cs('http://terminology.hl7.org/CodeSystem/v3-ActCode'), 'EHCPOL');
      expect(r.display).to.be.a('string').and.not.equal('');
      expect(r.properties.some((p) => p.code === 'parent')).to.equal(true);
      expect(() => lookup(cs(VISIT), 'nope')).to.throw(TerminologyError);
    });
  });

  describe('$subsumes', () => {
    it('equivalent, subsumes, subsumed-by, not-subsumed', () => {
      expect(subsumes(cs(VISIT), 'video', 'video')).to.equal('equivalent');
      expect(subsumes(cs(VISIT), 'visit', 'video')).to.equal('subsumes');
      expect(subsumes(cs(VISIT), 'phone', 'telehealth')).to.equal('subsumed-by');
      expect(subsumes(cs(VISIT), 'phone', 'in-person')).to.equal('not-subsumed');
      expect(() => subsumes(cs(VISIT), 'phone', 'fax')).to.throw(TerminologyError);
    });
  });

  describe('$translate', () => {
    const resolve = (url: string): Record<string, unknown> | undefined => terminology().registry.resolve('ConceptMap', url);
    const ours = (): Record<string, unknown> => {
      const cm = resolve('http://pms.example.org/fhir/ConceptMap/pms-v2-0001-to-administrative-gender');
      if (cm === undefined) throw new Error('missing map');
      return cm;
    };

    it('maps v2 administrative sex to FHIR gender, and back (reverse)', () => {
      const f = translate([ours()], { codings: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0001', code: 'F' }] }, resolve);
      expect(f.result).to.equal(true);
      expect(f.matches).to.deep.equal([
        { equivalence: 'equivalent', concept: { system: GENDER, code: 'female', display: 'Female' }, source: 'http://pms.example.org/fhir/ConceptMap/pms-v2-0001-to-administrative-gender' },
      ]);
      const back = translate([ours()], { codings: [{ system: GENDER, code: 'other' }], reverse: true }, resolve);
      expect(back.matches.map((m) => `${m.concept?.code ?? ''} ${m.equivalence}`)).to.deep.equal(['O equivalent', 'A narrower', 'N narrower']);
    });

    it('says so when nothing maps', () => {
      const none = translate([ours()], { codings: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0001', code: 'Z' }] }, resolve);
      expect(none.result).to.equal(false);
      expect(none.message).to.include('No mapping');
    });
  });
});

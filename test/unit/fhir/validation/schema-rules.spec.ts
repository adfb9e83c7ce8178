import { expect } from 'chai';
import { errorsOf, summary } from './validator-fixture.js';
import { medicationRequest, observation, patient, transaction, withProps } from './fixtures.js';

// Defects the JSON schema part catches (https://hl7.org/fhir/R4/json.html): one broken
// variant per class, asserting the whole list of issues (code @ FHIRPath) so noise shows up.
describe('fhir/validation: JSON schema rules', () => {
  it('accepts the valid fixtures', () => {
    for (const r of [patient(), observation(), medicationRequest(), transaction([patient(), observation()])]) {
      expect(summary(errorsOf(r))).to.deep.equal([]);
    }
  });

  describe('unknown elements', () => {
    it('rejects an unknown top-level element', () => {
      const issues = errorsOf(withProps(patient(), { foo: 1 }));
      expect(summary(issues)).to.deep.equal(['structure @ Patient.foo']);
      expect(issues[0]?.diagnostics).to.match(/^Unknown element 'foo'/);
    });

    it('rejects an unknown element inside a datatype, with its array index', () => {
      const issues = errorsOf(withProps(patient(), { name: [{ family: 'Doe' }, { family: 'Roe', nickname: 'R' }] }));
      expect(summary(issues)).to.deep.equal(['structure @ Patient.name[1].nickname']);
    });

    it("rejects elements Medplum's schema adds to R4 types (Meta.project)", () => {
      const issues = errorsOf(withProps(patient(), { meta: { project: 'x' } }));
      expect(summary(issues)).to.deep.equal(['structure @ Patient.meta.project']);
    });

    it('rejects an extension twin for a complex element', () => {
      expect(summary(errorsOf(withProps(patient(), { _name: [{ id: 'x' }] })))).to.deep.equal(['structure @ Patient._name']);
    });
  });

  describe('types, arrays and single values', () => {
    it('rejects a string where a boolean is due, once', () => {
      const issues = errorsOf(withProps(patient(), { active: 'yes' }));
      expect(summary(issues)).to.deep.equal(['structure @ Patient.active']);
      expect(issues[0]?.diagnostics).to.equal('Patient.active: expected boolean, found a string');
    });

    it('rejects a string where a complex datatype is due', () => {
      expect(summary(errorsOf(withProps(patient(), { maritalStatus: 'M' })))).to.deep.equal([
        'structure @ Patient.maritalStatus',
      ]);
    });

    it('rejects a single object for a repeating element', () => {
      expect(summary(errorsOf(withProps(patient(), { name: { family: 'Doe' } })))).to.deep.equal([
        'structure @ Patient.name',
      ]);
    });

    it('rejects an array for a single-valued element', () => {
      expect(summary(errorsOf(withProps(patient(), { birthDate: ['1970-01-01'] })))).to.deep.equal([
        'structure @ Patient.birthDate',
      ]);
    });

    it('rejects a decimal written as a JSON string', () => {
      const obs = withProps(observation(), { valueQuantity: { value: '72.5', unit: 'kg' } });
      expect(summary(errorsOf(obs))).to.deep.equal(['structure @ Observation.valueQuantity.value']);
    });

    it('rejects empty arrays, empty objects and null values', () => {
      expect(summary(errorsOf(withProps(patient(), { telecom: [] })))).to.deep.equal(['structure @ Patient.telecom']);
      expect(summary(errorsOf(withProps(patient(), { maritalStatus: {} })))).to.deep.equal([
        'structure @ Patient.maritalStatus',
      ]);
      expect(summary(errorsOf(withProps(patient(), { gender: null })))).to.deep.equal(['structure @ Patient.gender']);
    });
  });

  describe('required elements and codes', () => {
    it('reports a missing required complex element', () => {
      expect(summary(errorsOf(withProps(observation(), { code: undefined })))).to.deep.equal([
        'required @ Observation.code',
      ]);
    });

    it('reports a code outside a required binding, naming the allowed codes', () => {
      const issues = errorsOf(withProps(patient(), { gender: 'woman' }));
      expect(summary(issues)).to.deep.equal(['code-invalid @ Patient.gender']);
      expect(issues[0]?.diagnostics).to.equal("Patient.gender: 'woman' is not one of male, female, other, unknown");
    });

    it('checks required bindings the published schema leaves open (Observation.status)', () => {
      expect(summary(errorsOf(withProps(observation(), { status: 'done' })))).to.deep.equal([
        'code-invalid @ Observation.status',
      ]);
      expect(summary(errorsOf(withProps(medicationRequest(), { intent: 'wish' })))).to.deep.equal([
        'code-invalid @ MedicationRequest.intent',
      ]);
    });

    it('checks codes inside bundle entries', () => {
      const bundle = transaction([withProps(observation(), { status: 'done' })]);
      expect(summary(errorsOf(bundle))).to.deep.equal(['code-invalid @ Bundle.entry[0].resource.status']);
    });
  });

  describe('primitive formats', () => {
    const bad: Array<[string, Record<string, unknown>, string]> = [
      ['id', { id: 'no spaces allowed' }, 'Patient.id'],
      ['id (64 characters at most)', { id: 'a'.repeat(65) }, 'Patient.id'],
      ['date', { birthDate: '1970-13-01' }, 'Patient.birthDate'],
      ['instant', { meta: { lastUpdated: '2020-01-01' } }, 'Patient.meta.lastUpdated'],
      ['uri', { identifier: [{ system: 'urn:has space', value: '1' }] }, 'Patient.identifier[0].system'],
      ['code', { language: 'en  US' }, 'Patient.language'],
      ['string (empty)', { name: [{ family: '' }] }, 'Patient.name[0].family'],
    ];
    for (const [what, change, expression] of bad) {
      it(`rejects a malformed ${what}`, () => {
        expect(summary(errorsOf(withProps(patient(), change)))).to.deep.equal([`value @ ${expression}`]);
      });
    }

    it('rejects a dateTime with a time but no time zone', () => {
      const obs = withProps(observation(), { effectiveDateTime: '2020-01-01T10:00:00' });
      const issues = errorsOf(obs);
      expect(summary(issues)).to.deep.equal(['value @ Observation.effectiveDateTime']);
      expect(issues[0]?.diagnostics).to.equal("Observation.effectiveDateTime: '2020-01-01T10:00:00' is not a valid dateTime");
    });

    it('reads the regexes with XML Schema whitespace: a no-break space is fine in a string', () => {
      expect(summary(errorsOf(withProps(patient(), { name: [{ family: 'van\u00a0Dijk' }] })))).to.deep.equal([]);
    });

    it('allows extensions on canonical elements (the published schema forgot them)', () => {
      const q = {
        resourceType: 'Questionnaire',
        status: 'draft',
        derivedFrom: ['http://example.org/Questionnaire/base'],
        _derivedFrom: [{ extension: [{ url: 'http://example.org/ext', valueString: 'x' }] }],
      };
      expect(summary(errorsOf(q))).to.deep.equal([]);
    });
  });
});

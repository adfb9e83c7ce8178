import { expect } from 'chai';
import type { TypeDefinition } from '../../../../server/fhir/model/r4-structure-definitions.js';
import type { Issue } from '../../../../server/errors/issue.js';
import { buildElementTables } from '../../../../server/fhir/validation/element-tables.js';
import { StructureWalker } from '../../../../server/fhir/validation/structure-walker.js';
import { errorsOf, summary } from './validator-fixture.js';
import { medicationRequest, observation, patient, transaction, withProps } from './fixtures.js';

// Defects only the StructureDefinition snapshots reveal (https://hl7.org/fhir/R4/elementdefinition.html):
// min cardinality of primitives and choices, one type per choice, numeric max, real dates,
// integer ranges, base64, null alignment; inside backbones, datatypes, contained resources
// and bundle entries.
describe('fhir/validation: snapshot rules', () => {
  describe('minimum cardinality the schema cannot state', () => {
    it('requires a primitive (Narrative.status 1..1)', () => {
      const p = withProps(patient(), { text: { div: '<div xmlns="http://www.w3.org/1999/xhtml">x</div>' } });
      const issues = errorsOf(p);
      expect(summary(issues)).to.deep.equal(['required @ Patient.text.status']);
      expect(issues[0]?.diagnostics).to.equal("Missing required element 'status' in Patient.text");
    });

    it('accepts a required primitive present only as its _name extension twin', () => {
      const o = withProps(observation(), {
        status: undefined,
        _status: { extension: [{ url: 'http://hl7.org/fhir/StructureDefinition/data-absent-reason', valueCode: 'unknown' }] },
      });
      expect(summary(errorsOf(o))).to.deep.equal([]);
    });

    it('requires one variant of a required choice (MedicationRequest.medication[x])', () => {
      const issues = errorsOf(withProps(medicationRequest(), { medicationCodeableConcept: undefined }));
      expect(summary(issues)).to.deep.equal(['required @ MedicationRequest.medication']);
      expect(issues[0]?.diagnostics).to.contain('medicationCodeableConcept, medicationReference');
    });

    it('applies inside backbone elements (Bundle.entry.request.method)', () => {
      const bundle = transaction([patient()]);
      const entry = (bundle['entry'] as Array<Record<string, unknown>>)[0];
      if (entry !== undefined) entry['request'] = { url: 'Patient' };
      expect(summary(errorsOf(bundle))).to.deep.equal(['required @ Bundle.entry[0].request.method']);
    });

    it('applies inside datatypes and extension twins (Extension.url)', () => {
      const p = withProps(patient(), {
        extension: [{ valueString: 'no url' }],
        _birthDate: { extension: [{ valueDateTime: '1970-01-01T08:00:00Z' }] },
      });
      expect(summary(errorsOf(p))).to.deep.equal(['required @ Patient.extension[0].url', 'required @ Patient.birthDate.extension[0].url']);
    });

    it('applies inside contained resources and bundle entries', () => {
      const p = withProps(patient(), { contained: [withProps(observation(), { id: 'o', status: undefined })] });
      expect(summary(errorsOf(p))).to.deep.equal(['required @ Patient.contained[0].status']);
      const b = transaction([withProps(observation(), { status: undefined })]);
      expect(summary(errorsOf(b))).to.deep.equal(['required @ Bundle.entry[0].resource.status']);
    });
  });

  describe('choice elements', () => {
    it('rejects two variants of one choice (valueString and valueQuantity)', () => {
      const issues = errorsOf(withProps(observation(), { valueString: '72.5 kg' }));
      expect(summary(issues)).to.deep.equal(['structure @ Observation.valueQuantity + Observation.valueString']);
    });

    it('counts an extension-only variant (_valueString) as present', () => {
      const o = withProps(observation(), { _valueString: { extension: [{ url: 'http://example.org/x', valueCode: 'x' }] } });
      expect(summary(errorsOf(o))).to.deep.equal(['structure @ Observation.valueQuantity + Observation.valueString']);
    });

    it('applies to extensions, which are a choice of ~50 types', () => {
      const p = withProps(patient(), { extension: [{ url: 'http://example.org/x', valueString: 'a', valueCode: 'a' }] });
      expect(summary(errorsOf(p))).to.deep.equal(['structure @ Patient.extension[0].valueString + Patient.extension[0].valueCode']);
    });
  });

  describe('primitive values', () => {
    it('rejects dates that are not in the calendar', () => {
      expect(summary(errorsOf(withProps(patient(), { birthDate: '2023-02-30' })))).to.deep.equal(['value @ Patient.birthDate']);
      expect(summary(errorsOf(withProps(patient(), { birthDate: '2024-02-29' })))).to.deep.equal([]);
      const o = withProps(observation(), { effectiveDateTime: '2023-02-29T10:00:00Z' });
      expect(summary(errorsOf(o))).to.deep.equal(['value @ Observation.effectiveDateTime']);
      const late = withProps(patient(), { meta: { lastUpdated: '2023-04-31T10:00:00Z' } });
      expect(summary(errorsOf(late))).to.deep.equal(['value @ Patient.meta.lastUpdated']);
    });

    it('rejects integers that are fractional or out of range', () => {
      expect(summary(errorsOf(withProps(patient(), { multipleBirthInteger: 1.5 })))).to.deep.equal([
        'value @ Patient.multipleBirthInteger',
      ]);
      expect(summary(errorsOf(withProps(patient(), { multipleBirthInteger: 2 ** 31 })))).to.deep.equal([
        'value @ Patient.multipleBirthInteger',
      ]);
      const photo = withProps(patient(), { photo: [{ contentType: 'image/png', size: -1 }] });
      expect(summary(errorsOf(photo))).to.deep.equal(['value @ Patient.photo[0].size']);
    });

    it('rejects base64Binary that is not base64', () => {
      const photo = withProps(patient(), { photo: [{ contentType: 'image/png', data: 'abc' }] });
      expect(summary(errorsOf(photo))).to.deep.equal(['value @ Patient.photo[0].data']);
      const ok = withProps(patient(), { photo: [{ contentType: 'image/png', data: 'aGVsbG8=' }] });
      expect(summary(errorsOf(ok))).to.deep.equal([]);
    });

    it('keeps primitive arrays and their _name twins aligned (null only as padding)', () => {
      const ext = { extension: [{ url: 'http://example.org/x', valueCode: 'x' }] };
      const aligned = withProps(patient(), { name: [{ given: [null, 'Ann'], _given: [ext, null] }] });
      expect(summary(errorsOf(aligned))).to.deep.equal([]);
      const stray = withProps(patient(), { name: [{ given: ['Jane', null] }] });
      expect(summary(errorsOf(stray))).to.deep.equal(['structure @ Patient.name[0].given[1]']);
      const short = withProps(patient(), { name: [{ given: ['Jane', 'Ann'], _given: [ext] }] });
      expect(summary(errorsOf(short))).to.deep.equal(['structure @ Patient.name[0].given']);
    });
  });

  it('enforces a numeric max cardinality (none in R4 base types, so on a made-up type)', () => {
    const el = (path: string, types: string[], max = 1): TypeDefinition['elements'][number] => ({ path, min: 0, max, types });
    const defs: TypeDefinition[] = [
      { name: 'string', kind: 'primitive-type', abstract: false, elements: [el('string', [])] },
      { name: 'Element', kind: 'complex-type', abstract: true, elements: [el('Element', []), el('Element.id', ['string'])] },
      { name: 'Thing', kind: 'resource', abstract: false, elements: [el('Thing', []), el('Thing.tag', ['string'], 2)] },
    ];
    const walker = new StructureWalker(buildElementTables(defs));
    const issues: Issue[] = [];
    walker.walkResource({ resourceType: 'Thing', tag: ['a', 'b'] }, 'Thing', issues);
    expect(summary(issues)).to.deep.equal([]);
    walker.walkResource({ resourceType: 'Thing', tag: ['a', 'b', 'c'] }, 'Thing', issues);
    expect(summary(issues)).to.deep.equal(['structure @ Thing.tag']);
  });
});

import { expect } from 'chai';
import { applyFhirPathPatch } from '../../../../server/fhir/patch/fhirpath-patch.js';
import { chalmers } from './fixtures.js';
import { del, deepFreeze, expectFhirError, fhirPatch, operation, replace } from './support.js';

const apply = (parameters: unknown) => applyFhirPathPatch(deepFreeze(chalmers()), parameters);
const type = (code: string) => ({ name: 'type', valueCode: code });
const path = (value: string) => ({ name: 'path', valueString: value });

describe('fhir/patch/fhirpath-patch: errors', () => {
  describe('malformed Parameters are 400 invalid', () => {
    it('rejects anything but a Parameters resource', () => {
      expectFhirError(() => apply({ resourceType: 'Patient' }), 400, /Parameters resource/);
      expectFhirError(() => apply([]), 400, /Parameters resource/);
      expectFhirError(() => apply(null), 400, /Parameters resource/);
      expectFhirError(() => apply({ resourceType: 'Parameters', parameter: {} }), 400, /must be an array/);
    });

    it('names the operation by its index, with an expression', () => {
      const error = expectFhirError(() => apply(fhirPatch(del('Patient.gender'), operation(type('upsert'), path('Patient')))), 400, /operation 1: part 'type'/);
      expect(error.issues[0]?.expression).to.deep.equal(['Parameters.parameter[1]']);
    });

    const cases: readonly [string, Readonly<Record<string, unknown>>, RegExp][] = [
      ['a parameter not named operation', { name: 'op', part: [type('delete'), path('Patient.gender')] }, /named 'operation'/],
      ['an operation without parts', { name: 'operation' }, /needs parts/],
      ['an unknown type', operation(type('upsert'), path('Patient')), /type/],
      ['a type given as valueString', operation({ name: 'type', valueString: 'delete' }, path('Patient.gender')), /valueCode/],
      ['an unknown part', operation(type('delete'), path('Patient.gender'), { name: 'where', valueString: 'x' }), /unknown part "where"/],
      ['a repeated part', operation(type('delete'), path('Patient.gender'), path('Patient.active')), /more than once/],
      ['a missing path', operation(type('delete')), /requires part 'path'/],
      ['an empty path', operation(type('delete'), path(' ')), /non-empty valueString/],
      ['add without name', operation(type('add'), path('Patient'), { name: 'value', valueBoolean: true }), /requires part 'name'/],
      ['add without value', operation(type('add'), path('Patient'), { name: 'name', valueString: 'active' }), /requires part 'value'/],
      ['insert without index', operation(type('insert'), path('Patient.name'), { name: 'value', valueHumanName: {} }), /requires part 'index'/],
      ['an index that is not an integer', operation(type('insert'), path('Patient.name'), { name: 'index', valueDecimal: 1.5 }, { name: 'value', valueHumanName: {} }), /valueInteger/],
      ['move without destination', operation(type('move'), path('Patient.name'), { name: 'source', valueInteger: 0 }), /requires part 'destination'/],
      ['replace without value', operation(type('replace'), path('Patient.gender')), /requires part 'value'/],
      ['a value with two value[x]', replace('Patient.gender', { valueCode: 'male', valueString: 'male' }), /exactly one of/],
      ['a value with no content', replace('Patient.gender', {}), /exactly one of/],
      ['a value type Parameters does not allow', replace('Patient.gender', { valueFoo: 'male' }), /valueFoo is not an allowed/],
      ['a value of the wrong JSON shape', replace('Patient.active', { valueBoolean: 'yes' }), /valueBoolean does not hold a boolean/],
      ['a complex value that is not an object', replace('Patient.maritalStatus', { valueCodeableConcept: 'M' }), /does not hold a CodeableConcept/],
      ['empty value parts', replace('Patient.contact[0]', { part: [] }), /non-empty part array/],
      ['value parts without names', replace('Patient.contact[0]', { part: [{ valueCode: 'male' }] }), /needs a name/],
      ['a resource without resourceType', replace('Patient.contact[0]', { resource: { id: 'x' } }), /invalid resource/],
    ];
    for (const [name, parameter, diagnostics] of cases) {
      it(`rejects ${name}`, () => {
        expectFhirError(() => apply(fhirPatch(parameter)), 400, diagnostics);
      });
    }
  });

  describe('bad FHIRPath is 400 invalid', () => {
    it('reports a syntax error', () => {
      expectFhirError(() => apply(fhirPatch(del('Patient.name.where('))), 400, /operation 0 \(delete 'Patient.name.where\('\): invalid FHIRPath expression/);
    });

    it('reports functions that cannot run here and unknown variables', () => {
      expectFhirError(() => apply(fhirPatch(del('Patient.managingOrganization.resolve().name'))), 400, /resolve/);
      expectFhirError(() => apply(fhirPatch(del('%encounter.status'))), 400, /encounter/);
      expectFhirError(() => apply(fhirPatch(del('Patient.name.nosuchfunction()'))), 400, /invalid FHIRPath/);
    });
  });

  describe('paths that do not fit are 422 processing', () => {
    it('rejects a path that yields a computed value', () => {
      expectFhirError(() => apply(fhirPatch(replace("'Chalmers'", { valueString: 'x' }))), 422, /computed value/);
      expectFhirError(() => apply(fhirPatch(del('Patient.name.count()'))), 422, /computed value/);
      expectFhirError(() => apply(fhirPatch(replace('Patient.name[0].family.upper()', { valueString: 'X' }))), 422, /computed value/);
    });

    it('names the failing operation', () => {
      const error = expectFhirError(() => apply(fhirPatch(del('Patient.gender'), del('Patient.name'))), 422, /^FHIRPath Patch operation 1 \(delete 'Patient.name'\): .*selects 2 elements/);
      expect(error.issues[0]?.expression).to.deep.equal(['Parameters.parameter[1]']);
    });
  });
});

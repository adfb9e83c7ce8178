import { expect } from 'chai';
import { applyFhirPathPatch } from '../../../../server/fhir/patch/fhirpath-patch.js';
import { bloodPressure, chalmers, prescription, weight } from './fixtures.js';
import { add, deepFreeze, del, expectFhirError, fhirPatch, insert, move, replace } from './support.js';

const patch = (resource: Readonly<Record<string, unknown>>, ...operations: Readonly<Record<string, unknown>>[]) =>
  applyFhirPathPatch(deepFreeze(resource), deepFreeze(fhirPatch(...operations)));

const loinc = (code: string, display: string) => ({ coding: [{ system: 'http://loinc.org', code, display }] });

describe('fhir/patch/fhirpath-patch: values', () => {
  describe('choice types (value[x])', () => {
    it('adds `value` given as valueQuantity under valueQuantity', () => {
      const result = patch({ resourceType: 'Observation', status: 'final', code: loinc('29463-7', 'Body weight') }, add('Observation', 'value', { valueQuantity: { value: 70, unit: 'kg' } }));
      expect(result['valueQuantity']).to.deep.equal({ value: 70, unit: 'kg' });
    });

    it('adds `value` given as valueString under valueString', () => {
      const result = patch(bloodPressure(), del('Observation.component[1].value'), add('Observation.component[1]', 'value', { valueString: 'not measured' }));
      expect((result['component'] as unknown[])[1]).to.deep.equal({ code: loinc('8462-4', 'Diastolic blood pressure'), valueString: 'not measured' });
    });

    it('accepts the typed name (valueQuantity) as the element name', () => {
      const result = patch(bloodPressure(), add('Observation', 'valueString', { valueString: 'see components' }));
      expect(result['valueString']).to.equal('see components');
    });

    it('refuses to add a second type of an existing choice element', () => {
      expectFhirError(() => patch(weight(), add('Observation', 'value', { valueQuantity: { value: 70 } })), 422, /Observation.value already exists/);
      expectFhirError(() => patch(chalmers(), add('Patient', 'deceased', { valueDateTime: '2020-01-01' })), 422, /already exists/);
    });

    it('replace can change the type of a choice element', () => {
      const result = patch(weight(), replace('Observation.value', { valueQuantity: { value: 70, unit: 'kg' } }));
      expect(result['valueQuantity']).to.deep.equal({ value: 70, unit: 'kg' });
      expect(result).to.not.have.property('valueString');
      const dead = patch(chalmers(), replace('Patient.deceased', { valueDateTime: '2020-03-01' }));
      expect(dead).to.include({ deceasedDateTime: '2020-03-01' }).and.not.have.property('deceasedBoolean');
    });

    it('refuses a type the choice does not allow', () => {
      expectFhirError(() => patch(weight(), replace('Observation.value', { valueHumanName: { text: 'x' } })), 422, /HumanName cannot be placed in Observation.value/);
      expectFhirError(() => patch(chalmers(), replace('Patient.deceased', { valueDate: '2020-03-01' })), 422, /date cannot be placed in Patient.deceased/);
    });

    it('places a specialisation under the declared type (Age as valueQuantity)', () => {
      const result = patch({ resourceType: 'Observation', status: 'final', code: { text: 'age' } }, add('Observation', 'value', { valueAge: { value: 42, unit: 'a' } }));
      expect(result['valueQuantity']).to.deep.equal({ value: 42, unit: 'a' });
    });
  });

  describe('complex values given as parts', () => {
    it('builds a backbone element with repeating and choice children', () => {
      const result = patch(
        bloodPressure(),
        add('Observation', 'component', {
          part: [
            { name: 'code', valueCodeableConcept: loinc('8478-0', 'Mean blood pressure') },
            { name: 'value', valueQuantity: { value: 76, unit: 'mmHg' } },
            { name: 'interpretation', valueCodeableConcept: { text: 'normal' } },
          ],
        }),
      );
      expect((result['component'] as unknown[])[2]).to.deep.equal({
        code: loinc('8478-0', 'Mean blood pressure'),
        valueQuantity: { value: 76, unit: 'mmHg' },
        interpretation: [{ text: 'normal' }],
      });
    });

    it('collects repeated parts into one list, in order', () => {
      const result = patch(
        chalmers(),
        insert('Patient.contact', 0, {
          part: [
            { name: 'name', valueHumanName: { family: 'Chalmers', given: ['Mary'] } },
            { name: 'telecom', valueContactPoint: { system: 'phone', value: '1' } },
            { name: 'telecom', valueContactPoint: { system: 'email', value: 'm@example.org' } },
            { name: 'gender', valueCode: 'female' },
          ],
        }),
      );
      expect((result['contact'] as unknown[])[0]).to.deep.equal({
        name: { family: 'Chalmers', given: ['Mary'] },
        telecom: [{ system: 'phone', value: '1' }, { system: 'email', value: 'm@example.org' }],
        gender: 'female',
      });
    });

    it('nests parts for nested anonymous elements (Timing.repeat)', () => {
      const result = patch(
        prescription(),
        add('MedicationRequest.dosageInstruction[0].timing', 'repeat', {
          part: [
            { name: 'frequency', valueInteger: 2 },
            { name: 'period', valueDecimal: 1 },
            { name: 'periodUnit', valueCode: 'd' },
            { name: 'bounds', valueDuration: { value: 10, unit: 'd' } },
          ],
        }),
      );
      const [dosage] = result['dosageInstruction'] as Record<string, unknown>[];
      expect(dosage?.['timing']).to.deep.equal({ code: { text: 'BID' }, repeat: { frequency: 2, period: 1, periodUnit: 'd', boundsDuration: { value: 10, unit: 'd' } } });
    });

    it('builds parts inside parts (Questionnaire.item.item)', () => {
      const result = patch(
        { resourceType: 'Questionnaire', status: 'draft' },
        add('Questionnaire', 'item', {
          part: [
            { name: 'linkId', valueString: '1' },
            { name: 'type', valueCode: 'group' },
            { name: 'item', part: [{ name: 'linkId', valueString: '1.1' }, { name: 'type', valueCode: 'string' }] },
          ],
        }),
      );
      expect(result['item']).to.deep.equal([{ linkId: '1', type: 'group', item: [{ linkId: '1.1', type: 'string' }] }]);
    });

    it('adds a contained resource given as `resource`', () => {
      const organization = { resourceType: 'Organization', id: 'org1', name: 'Acme' };
      const result = patch(chalmers(), add('Patient', 'contained', { resource: organization }));
      expect(result['contained']).to.deep.equal([organization]);
    });

    it('refuses unknown or misplaced parts', () => {
      expectFhirError(() => patch(chalmers(), add('Patient', 'contact', { part: [{ name: 'nickname', valueString: 'x' }] })), 422, /Patient.contact has no element 'nickname'/);
      expectFhirError(() => patch(chalmers(), add('Patient', 'contact', { part: [{ name: 'gender', valueCode: 'male' }, { name: 'gender', valueCode: 'female' }] })), 422, /given more than once/);
      expectFhirError(() => patch(chalmers(), add('Patient', 'contact', { valueHumanName: { text: 'x' } })), 422, /HumanName cannot be placed in Patient.contact/);
      expectFhirError(() => patch(chalmers(), replace('Patient.birthDate', { part: [{ name: 'value', valueDate: '2000-01-01' }] })), 422, /cannot be given as parts/);
    });
  });

  describe('primitive extensions (_name)', () => {
    it('deleting a primitive removes its extensions too', () => {
      const result = patch(chalmers(), del('Patient.birthDate'));
      expect(result).to.not.have.any.keys('birthDate', '_birthDate');
    });

    it('deleting the last extension of a primitive keeps the value', () => {
      const result = patch(chalmers(), del('Patient.birthDate.extension'));
      expect(result).to.include({ birthDate: '1974-12-25' }).and.not.have.property('_birthDate');
    });

    it('replacing a primitive replaces it whole', () => {
      const result = patch(chalmers(), replace('Patient.birthDate', { valueDate: '1974-12-26' }));
      expect(result).to.include({ birthDate: '1974-12-26' }).and.not.have.property('_birthDate');
    });

    it('keeps `_given` aligned with `given`', () => {
      const ext = { extension: [{ url: 'http://hl7.org/fhir/StructureDefinition/iso21090-EN-qualifier', valueCode: 'CL' }] };
      const patient = { resourceType: 'Patient', name: [{ given: ['Peter', 'James', 'Jim'], _given: [null, null, ext] }] };
      const moved = patch(patient, move('Patient.name.given', 2, 0));
      expect(moved['name']).to.deep.equal([{ given: ['Jim', 'Peter', 'James'], _given: [ext, null, null] }]);
      const inserted = patch(patient, insert('Patient.name.given', 1, { valueString: 'Paul' }));
      expect(inserted['name']).to.deep.equal([{ given: ['Peter', 'Paul', 'James', 'Jim'], _given: [null, null, null, ext] }]);
      const deleted = patch(patient, del('Patient.name.given[2]'));
      expect(deleted['name']).to.deep.equal([{ given: ['Peter', 'James'] }]);
    });

    it('handles a primitive that has only an extension', () => {
      const patient = { resourceType: 'Patient', _birthDate: { extension: [{ url: 'http://hl7.org/fhir/StructureDefinition/data-absent-reason', valueCode: 'unknown' }] } };
      expect(patch(patient, replace('Patient.birthDate', { valueDate: '1970-01-01' }))).to.deep.equal({ resourceType: 'Patient', birthDate: '1970-01-01' });
      expect(patch(patient, del('Patient.birthDate'))).to.deep.equal({ resourceType: 'Patient' });
      expect(patch(patient, del('Patient.birthDate.extension'))).to.deep.equal({ resourceType: 'Patient' });
    });
  });

  it('patches inside contained resources', () => {
    const patient = { ...chalmers(), contained: [{ resourceType: 'Practitioner', id: 'gp', name: [{ family: 'Careful' }] }] };
    const result = patch(patient, replace("Patient.contained.ofType(Practitioner).where(id = 'gp').name.family", { valueString: 'Carefull' }));
    expect(result['contained']).to.deep.equal([{ resourceType: 'Practitioner', id: 'gp', name: [{ family: 'Carefull' }] }]);
  });
});

import { expect } from 'chai';
import { applyFhirPathPatch } from '../../../../server/fhir/patch/fhirpath-patch.js';
import { bloodPressure, chalmers, prescription, weight } from './fixtures.js';
import { add, deepFreeze, del, expectFhirError, fhirPatch, insert, move, replace } from './support.js';

const patch = (resource: Readonly<Record<string, unknown>>, ...operations: Readonly<Record<string, unknown>>[]) =>
  applyFhirPathPatch(deepFreeze(resource), deepFreeze(fhirPatch(...operations)));

describe('fhir/patch/fhirpath-patch: operations', () => {
  describe('add', () => {
    it('appends to a repeating element selected with where()', () => {
      const result = patch(chalmers(), add("Patient.name.where(use = 'usual')", 'given', { valueString: 'Jimmy' }));
      expect(result['name']).to.deep.equal([
        { use: 'official', family: 'Chalmers', given: ['Peter', 'James'] },
        { use: 'usual', given: ['Jim', 'Jimmy'] },
      ]);
    });

    it('adds a missing single element and refuses one that exists', () => {
      const result = patch(chalmers(), add('Patient', 'maritalStatus', { valueCodeableConcept: { text: 'Married' } }));
      expect(result['maritalStatus']).to.deep.equal({ text: 'Married' });
      expectFhirError(() => patch(chalmers(), add('Patient', 'gender', { valueCode: 'female' })), 422, /already exists/);
    });

    it('needs the path to select exactly one element', () => {
      expectFhirError(() => patch(chalmers(), add('Patient.name', 'text', { valueString: 'x' })), 422, /selects 2 elements/);
      expectFhirError(() => patch(chalmers(), add('Patient.photo', 'title', { valueString: 'x' })), 422, /no element found/);
    });

    it('refuses an element the type does not have, or a value of the wrong type', () => {
      expectFhirError(() => patch(chalmers(), add('Patient', 'shoeSize', { valueInteger: 44 })), 422, /has no element 'shoeSize'/);
      expectFhirError(() => patch(chalmers(), add('Patient.contact[0]', 'period', { valueBoolean: true })), 422, /boolean cannot be placed in Patient.contact.period/);
    });

    it('refuses to add beneath a primitive', () => {
      expectFhirError(() => patch(chalmers(), add('Patient.gender', 'id', { valueString: 'g' })), 422, /primitive/);
    });

    it('accepts %resource in the path', () => {
      const result = patch(bloodPressure(), add('%resource', 'note', { valueAnnotation: { text: 'left arm' } }));
      expect(result['note']).to.deep.equal([{ text: 'left arm' }]);
    });
  });

  describe('insert', () => {
    it('inserts into a primitive list', () => {
      const result = patch(chalmers(), insert('Patient.name[0].given', 1, { valueString: 'Jacob' }));
      expect((result['name'] as unknown[])[0]).to.deep.include({ given: ['Peter', 'Jacob', 'James'] });
    });

    it('creates an absent list at index 0', () => {
      const result = patch(bloodPressure(), insert('Observation.performer', 0, { valueReference: { reference: 'Practitioner/f201' } }));
      expect(result['performer']).to.deep.equal([{ reference: 'Practitioner/f201' }]);
    });

    it('rejects an index outside 0..length', () => {
      expectFhirError(() => patch(chalmers(), insert('Patient.telecom', 3, { valueContactPoint: { system: 'email' } })), 422, /index 3 is outside 0\.\.2/);
      expectFhirError(() => patch(chalmers(), insert('Patient.telecom', -1, { valueContactPoint: { system: 'email' } })), 422, /index -1/);
      expectFhirError(() => patch(bloodPressure(), insert('Observation.performer', 1, { valueReference: { reference: 'Practitioner/f201' } })), 422, /index 1 is outside 0\.\.0/);
    });

    it('needs the path to select one list', () => {
      expectFhirError(() => patch(chalmers(), insert('Patient.birthDate', 0, { valueDate: '1974-12-25' })), 422, /one list/);
      expectFhirError(() => patch(chalmers(), insert('Patient.name.given', 0, { valueString: 'x' })), 422, /one list/);
      expectFhirError(() => patch(chalmers(), insert('Patient.maritalStatus', 0, { valueCodeableConcept: { text: 'x' } })), 422, /not a list/);
    });
  });

  describe('delete', () => {
    it('removes one list item, keeping the rest in order', () => {
      const result = patch(chalmers(), del("Patient.telecom.where(use = 'home')"));
      expect(result['telecom']).to.deep.equal([{ system: 'phone', value: '(03) 5555 6473', use: 'work', rank: 1 }]);
    });

    it('removes a choice element addressed by its base name', () => {
      const result = patch(chalmers(), del('Patient.deceased'));
      expect(result).to.not.have.property('deceasedBoolean');
    });

    it('is a no-op when nothing matches and a 422 when several match', () => {
      expect(patch(chalmers(), del('Patient.photo'))).to.deep.equal(chalmers());
      expectFhirError(() => patch(chalmers(), del('Patient.name.given')), 422, /selects 3 elements/);
    });

    it('refuses to delete the resource itself', () => {
      expectFhirError(() => patch(chalmers(), del('Patient')), 422, /resource itself/);
    });

    it('drops the parents it leaves empty, up to the resource', () => {
      const result = patch(chalmers(), del("Patient.name.where(use = 'usual').given"));
      expect(result['name']).to.deep.equal([{ use: 'official', family: 'Chalmers', given: ['Peter', 'James'] }, { use: 'usual' }]);
      const bare = patch({ resourceType: 'Patient', name: [{ given: ['Jim'] }] }, del('Patient.name.given'));
      expect(bare).to.deep.equal({ resourceType: 'Patient' });
    });
  });

  describe('replace', () => {
    it('replaces a nested primitive and a list item', () => {
      const result = patch(
        bloodPressure(),
        replace('Observation.component[0].value.value', { valueDecimal: 109 }),
        replace("Observation.category[0].coding.where(code = 'vital-signs').code", { valueCode: 'exam' }),
      );
      const [systolic] = result['component'] as Record<string, Record<string, unknown>>[];
      expect(systolic?.['valueQuantity']?.['value']).to.equal(109);
      expect(result['category']).to.deep.equal([{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'exam' }] }]);
    });

    it('replaces an item of a primitive list', () => {
      const result = patch(chalmers(), replace('Patient.name[0].given[1]', { valueString: 'Jacob' }));
      expect((result['name'] as unknown[])[0]).to.deep.include({ given: ['Peter', 'Jacob'] });
    });

    it('reads `.div` as the Narrative element, but not inside string literals', () => {
      const narrative = { resourceType: 'Patient', text: { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml">a.div</div>' } };
      const result = patch(narrative, replace("Patient.text.where($this.div.contains('a.div')).div", { valueString: '<div xmlns="http://www.w3.org/1999/xhtml">b</div>' }));
      expect(result['text']).to.deep.equal({ status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml">b</div>' });
    });

    it('needs exactly one existing element', () => {
      expectFhirError(() => patch(chalmers(), replace('Patient.maritalStatus', { valueCodeableConcept: { text: 'x' } })), 422, /no element found/);
      expectFhirError(() => patch(chalmers(), replace('Patient.name.use', { valueCode: 'old' })), 422, /selects 2 elements/);
      expectFhirError(() => patch(chalmers(), replace('Patient', { valueString: 'x' })), 422, /resource itself/);
    });

    it('refuses a value of the wrong type', () => {
      expectFhirError(() => patch(chalmers(), replace('Patient.active', { valueString: 'yes' })), 422, /string cannot be placed in Patient.active/);
      expectFhirError(() => patch(chalmers(), replace('Patient.managingOrganization', { valueCodeableConcept: { text: 'x' } })), 422, /CodeableConcept/);
    });
  });

  describe('move', () => {
    it('moves within a primitive list', () => {
      const result = patch(chalmers(), move('Patient.name[0].given', 1, 0));
      expect((result['name'] as unknown[])[0]).to.deep.include({ given: ['James', 'Peter'] });
    });

    it('moves observation components', () => {
      const result = patch(bloodPressure(), move('Observation.component', 0, 1));
      const codes = (result['component'] as { code: { coding: { code: string }[] } }[]).map((c) => c.code.coding[0]?.code);
      expect(codes).to.deep.equal(['8462-4', '8480-6']);
    });

    it('rejects source or destination outside the list', () => {
      expectFhirError(() => patch(chalmers(), move('Patient.telecom', 2, 0)), 422, /source 2 is outside 0\.\.1/);
      expectFhirError(() => patch(chalmers(), move('Patient.telecom', 0, -1)), 422, /destination -1/);
      expectFhirError(() => patch(chalmers(), move('Patient.photo', 0, 0)), 422, /does not select any element/);
    });
  });

  it('never touches resourceType', () => {
    expectFhirError(() => patch(chalmers(), replace('Patient.resourceType', { valueCode: 'Person' })), 422, /resourceType cannot be patched/);
    expectFhirError(() => patch(chalmers(), del('Patient.resourceType')), 422, /resourceType cannot be patched/);
    expectFhirError(() => patch(chalmers(), add('Patient', 'resourceType', { valueCode: 'Person' })), 422, /no element 'resourceType'/);
  });

  it('applies operations in order against the result of the previous ones', () => {
    const result = patch(
      weight(),
      del('Observation.value'),
      add('Observation', 'value', { valueQuantity: { value: 70, unit: 'kg', system: 'http://unitsofmeasure.org', code: 'kg' } }),
      replace('Observation.value.value', { valueDecimal: 71.5 }),
      replace('Observation.status', { valueCode: 'final' }),
    );
    expect(result).to.deep.include({ status: 'final', valueQuantity: { value: 71.5, unit: 'kg', system: 'http://unitsofmeasure.org', code: 'kg' } });
    expect(result).to.not.have.property('valueString');
  });

  it('leaves the resource and the parameters untouched, and shares nothing with them', () => {
    const original = chalmers();
    const parameters = deepFreeze(fhirPatch(add('Patient', 'maritalStatus', { valueCodeableConcept: { text: 'Married' } })));
    const result = applyFhirPathPatch(deepFreeze(original), parameters);
    (result['maritalStatus'] as Record<string, unknown>)['text'] = 'changed';
    (result['name'] as unknown[]).pop();
    expect(original).to.deep.equal(chalmers());
  });

  it('changes the whole patch or nothing', () => {
    const original = deepFreeze(prescription());
    expectFhirError(() => applyFhirPathPatch(original, fhirPatch(replace('MedicationRequest.status', { valueCode: 'stopped' }), del('MedicationRequest.dosageInstruction.text.first() | MedicationRequest.intent'))), 422, /operation 1/);
    expect(original).to.deep.equal(prescription());
  });
});

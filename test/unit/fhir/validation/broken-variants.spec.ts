import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { r4PackageDirectory } from '../../../../server/fhir/model/r4-structure-definitions.js';
import { errorSummary, fullValidator } from './profile-fixture.js';

/**
 * Deliberately broken variants of official R4 examples, one defect each: every defect must be
 * caught as an error at the element that carries it (https://hl7.org/fhir/R4/validation.html).
 * The unbroken example is checked first, so each failure is the defect's.
 */

type Json = Record<string, unknown>;

function example(file: string): Json {
  return JSON.parse(readFileSync(join(r4PackageDirectory(), file), 'utf8')) as Json;
}

const BP = 'http://hl7.org/fhir/StructureDefinition/bp';
const HEART_RATE = 'http://hl7.org/fhir/StructureDefinition/heartrate';

/** The heart-rate example, declaring the R4 heart rate profile it follows. */
function heartRate(): Json {
  return { ...example('Observation-heart-rate.json'), meta: { profile: [HEART_RATE] } };
}

/** The blood-pressure example, declaring the R4 blood pressure profile it follows. */
function bloodPressure(): Json {
  const bp = example('Observation-blood-pressure.json');
  return { ...bp, meta: { profile: [BP] } };
}

function errors(resource: Json): string[] {
  return errorSummary(fullValidator().validate(resource));
}

function broken(base: Json, edit: (copy: Json) => void): Json {
  const copy = structuredClone(base);
  edit(copy);
  return copy;
}

describe('fhir/validation: broken variants of the R4 examples, one defect each', () => {
  it('the unbroken examples are valid (the blood-pressure one against the bp profile too)', () => {
    for (const file of ['Observation-example.json', 'Patient-example.json', 'AllergyIntolerance-example.json', 'Observation-heart-rate.json']) {
      expect(errors(example(file)), file).to.deep.equal([]);
    }
    expect(errors(bloodPressure())).to.deep.equal([]);
    expect(errors(heartRate())).to.deep.equal([]);
  });

  it('missing required element: base definition and profile', () => {
    const noStatus = broken(example('Observation-example.json'), (o) => delete o['status']);
    expect(errors(noStatus)).to.include('required @ Observation.status');
    // vitalsigns: effective[x] is 1..1
    const noEffective = broken(example('Observation-heart-rate.json'), (o) => delete o['effectiveDateTime']);
    expect(errors(noEffective)).to.include('required @ Observation.effective');
  });

  it('cardinality overflow: a single element given as a list, and a slice given twice', () => {
    const twoGenders = broken(example('Patient-example.json'), (p) => (p['gender'] = ['male', 'female']));
    expect(errors(twoGenders)).to.include('structure @ Patient.gender');
    // bp: Observation.code.coding:BPCode is 1..1
    const twoBpCodes = broken(bloodPressure(), (o) => {
      const code = o['code'] as { coding: Json[] };
      code.coding.push({ ...code.coding[0] });
    });
    expect(errors(twoBpCodes)).to.include('structure @ Observation.code.coding');
  });

  it('wrong type: a JSON type the element does not have, and a type the profile does not allow', () => {
    const activeText = broken(example('Patient-example.json'), (p) => (p['active'] = 'yes'));
    expect(errors(activeText)).to.include('structure @ Patient.active');
    // heartrate: value[x] is Quantity only
    const heartRateText = broken(heartRate(), (o) => {
      delete o['valueQuantity'];
      o['valueString'] = '44 beats per minute';
    });
    expect(errors(heartRateText)).to.include('structure @ Observation.valueString');
  });

  it('code outside a required binding: a code and a CodeableConcept', () => {
    const gender = broken(example('Patient-example.json'), (p) => (p['gender'] = 'robot'));
    expect(errors(gender)).to.include('code-invalid @ Patient.gender');
    const clinical = broken(example('AllergyIntolerance-example.json'), (a) => {
      (a['clinicalStatus'] as { coding: Json[] }).coding[0] = { system: 'http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical', code: 'forgotten' };
    });
    const found = errors(clinical);
    expect(found).to.include('code-invalid @ AllergyIntolerance.clinicalStatus');
  });

  it('violated invariant: pat-1 on a contact, per-1 on a period', () => {
    const emptyContact = broken(example('Patient-example.json'), (p) => {
      const contact = (p['contact'] as Json[])[0] ?? {};
      (p['contact'] as Json[])[0] = { relationship: contact['relationship'], gender: 'female' };
    });
    expect(errors(emptyContact)).to.include('invariant @ Patient.contact[0]');
    const backwards = broken(example('Patient-example.json'), (p) => {
      (p['name'] as Json[])[0] = { family: 'Chalmers', period: { start: '2020-01-02', end: '2019-12-31' } };
    });
    expect(errors(backwards)).to.include('invariant @ Patient.name[0].period');
  });

  it('wrong reference target: an Observation whose subject is a Medication', () => {
    const medication = broken(example('Observation-example.json'), (o) => (o['subject'] = { reference: 'Medication/med0301' }));
    expect(errors(medication)).to.include('structure @ Observation.subject');
    const contained = broken(example('Observation-example.json'), (o) => {
      o['contained'] = [{ resourceType: 'Medication', id: 'm1' }];
      o['subject'] = { reference: '#m1' };
    });
    expect(errors(contained)).to.include('structure @ Observation.subject');
  });

  it('bad slice: a required slice that no component matches, and a value a closed slicing forbids', () => {
    const noSystolic = broken(bloodPressure(), (o) => {
      const first = (o['component'] as { code: { coding: Json[] } }[])[0];
      if (first !== undefined) first.code.coding = [{ system: 'http://loinc.org', code: '8867-4' }];
    });
    expect(errors(noSystolic)).to.include('required @ Observation.component');
    // bp: value[x] is sliced by type, closed, and its only slice (valueQuantity) is 0..0
    const withValue = broken(bloodPressure(), (o) => (o['valueQuantity'] = { value: 120, unit: 'mmHg', system: 'http://unitsofmeasure.org', code: 'mm[Hg]' }));
    expect(errors(withValue)).to.include('structure @ Observation.value');
    // a fixed value inside a slice: the systolic value's unit code is fixed to mm[Hg]
    const wrongUnit = broken(bloodPressure(), (o) => {
      const first = (o['component'] as { valueQuantity: Json }[])[0];
      if (first !== undefined) first.valueQuantity['code'] = 'kPa';
    });
    expect(errors(wrongUnit)).to.include('value @ Observation.component[0].valueQuantity.code');
  });
});

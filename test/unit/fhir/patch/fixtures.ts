import type { MedicationRequest, Observation, Patient } from 'fhir/r4.js';

/** The R4 example patient (patient-example.json), trimmed; rebuilt per call. */
export const chalmers = () =>
  ({
    resourceType: 'Patient',
    id: 'example',
    identifier: [
      {
        use: 'usual',
        type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'MR' }] },
        system: 'urn:oid:1.2.36.146.595.217.0.1',
        value: '12345',
        period: { start: '2001-05-06' },
        assigner: { display: 'Acme Healthcare' },
      },
    ],
    active: true,
    name: [
      { use: 'official', family: 'Chalmers', given: ['Peter', 'James'] },
      { use: 'usual', given: ['Jim'] },
    ],
    telecom: [{ use: 'home' }, { system: 'phone', value: '(03) 5555 6473', use: 'work', rank: 1 }],
    gender: 'male',
    birthDate: '1974-12-25',
    _birthDate: {
      extension: [{ url: 'http://hl7.org/fhir/StructureDefinition/patient-birthTime', valueDateTime: '1974-12-25T14:35:45-05:00' }],
    },
    deceasedBoolean: false,
    contact: [
      {
        relationship: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0131', code: 'N' }] }],
        name: { family: 'du Marché', given: ['Bénédicte'] },
        telecom: [{ system: 'phone', value: '+33 (237) 998327' }],
        gender: 'female',
      },
    ],
    managingOrganization: { reference: 'Organization/1' },
  }) satisfies Patient;

/** A blood pressure panel (observation-example-bloodpressure.json), trimmed. */
export const bloodPressure = () =>
  ({
    resourceType: 'Observation',
    id: 'blood-pressure',
    status: 'final',
    category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' }] }],
    code: { coding: [{ system: 'http://loinc.org', code: '85354-9', display: 'Blood pressure panel' }] },
    subject: { reference: 'Patient/example' },
    effectiveDateTime: '2012-09-17',
    component: [
      {
        code: { coding: [{ system: 'http://loinc.org', code: '8480-6', display: 'Systolic blood pressure' }] },
        valueQuantity: { value: 107, unit: 'mmHg', system: 'http://unitsofmeasure.org', code: 'mm[Hg]' },
      },
      {
        code: { coding: [{ system: 'http://loinc.org', code: '8462-4', display: 'Diastolic blood pressure' }] },
        valueQuantity: { value: 60, unit: 'mmHg', system: 'http://unitsofmeasure.org', code: 'mm[Hg]' },
      },
    ],
  }) satisfies Observation;

/** A body weight observation with a string value, to exercise value[x]. */
export const weight = () =>
  ({
    resourceType: 'Observation',
    id: 'weight',
    status: 'preliminary',
    code: { coding: [{ system: 'http://loinc.org', code: '29463-7', display: 'Body weight' }] },
    subject: { reference: 'Patient/example' },
    valueString: 'about 70 kg',
  }) satisfies Observation;

export const prescription = () =>
  ({
    resourceType: 'MedicationRequest',
    id: 'rx',
    status: 'active',
    intent: 'order',
    medicationCodeableConcept: { text: 'Amoxicillin 500 mg' },
    subject: { reference: 'Patient/example' },
    dosageInstruction: [{ text: 'twice a day', timing: { code: { text: 'BID' } } }],
  }) satisfies MedicationRequest;

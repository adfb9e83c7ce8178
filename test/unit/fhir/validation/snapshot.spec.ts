import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { r4PackageDirectory } from '../../../../server/fhir/model/r4-structure-definitions.js';
import { generateSnapshot } from '../../../../server/fhir/validation/snapshot/generate-snapshot.js';
import { errorSummary, fullValidator, validatorWith } from './profile-fixture.js';

/** Snapshot generation from a differential (https://hl7.org/fhir/R4/profiling.html#snapshot). */

type Json = Record<string, unknown>;

function packageDefinition(id: string): Json {
  return JSON.parse(readFileSync(join(r4PackageDirectory(), `StructureDefinition-${id}.json`), 'utf8')) as Json;
}

function elementsOf(sd: Json): Json[] {
  return ((sd['snapshot'] as { element?: Json[] } | undefined)?.element ?? []);
}

/** What matters of an element for validation. */
function essentials(e: Json): string {
  const types = ((e['type'] as { code: string }[] | undefined) ?? []).map((t) => t.code).join('|');
  const fixed = Object.keys(e).filter((k) => k.startsWith('fixed') || k.startsWith('pattern')).map((k) => `${k}=${JSON.stringify(e[k])}`).join();
  return `${String(e['id'])} ${String(e['min'])}..${String(e['max'])} ${types} ${fixed}`;
}

function regenerate(sd: Json): { elements: Json[]; errors: string[] } {
  const { snapshot: _s, ...differentialOnly } = sd;
  return generateSnapshot(differentialOnly, { withSnapshot: (u) => fullValidator().definitions.withSnapshot(u) });
}

const OBSERVATION_PROFILE: Json = {
  resourceType: 'StructureDefinition',
  url: 'http://example.org/fhir/StructureDefinition/lab-potassium',
  name: 'LabPotassium',
  status: 'active',
  fhirVersion: '4.0.1',
  kind: 'resource',
  abstract: false,
  type: 'Observation',
  baseDefinition: 'http://hl7.org/fhir/StructureDefinition/Observation',
  derivation: 'constraint',
  differential: {
    element: [
      { id: 'Observation.category', path: 'Observation.category', min: 1, slicing: { discriminator: [{ type: 'pattern', path: '$this' }], rules: 'open' } },
      {
        id: 'Observation.category:lab',
        path: 'Observation.category',
        sliceName: 'lab',
        min: 1,
        max: '1',
        patternCodeableConcept: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'laboratory' }] },
      },
      { id: 'Observation.code.coding.system', path: 'Observation.code.coding.system', min: 1 },
      { id: 'Observation.subject', path: 'Observation.subject', min: 1, type: [{ code: 'Reference', targetProfile: ['http://hl7.org/fhir/StructureDefinition/Patient'] }] },
      { id: 'Observation.valueQuantity', path: 'Observation.valueQuantity', min: 1 },
      { id: 'Observation.valueQuantity.system', path: 'Observation.valueQuantity.system', min: 1, fixedUri: 'http://unitsofmeasure.org' },
      { id: 'Observation.valueQuantity.code', path: 'Observation.valueQuantity.code', min: 1, fixedCode: 'mmol/L' },
    ],
  },
};

function potassium(): Json {
  return {
    resourceType: 'Observation',
    meta: { profile: ['http://example.org/fhir/StructureDefinition/lab-potassium'] },
    status: 'final',
    category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'laboratory' }] }],
    code: { coding: [{ system: 'http://loinc.org', code: '2823-3' }] },
    subject: { reference: 'Patient/p1' },
    valueQuantity: { value: 4.2, unit: 'mmol/L', system: 'http://unitsofmeasure.org', code: 'mmol/L' },
  };
}

describe('fhir/validation: snapshot generation', () => {
  it('regenerates the R4 profiles without renamed choices element for element', () => {
    for (const id of ['vitalsigns', 'lipidprofile', 'patient-birthPlace', 'shareablevalueset', 'cqf-questionnaire']) {
      const sd = packageDefinition(id);
      const generated = regenerate(sd);
      expect(generated.errors, id).to.deep.equal([]);
      expect(generated.elements.map(essentials), id).to.deep.equal(elementsOf(sd).map(essentials));
    }
  });

  it('reads a renamed choice (valueQuantity) as value[x] constrained to Quantity, as the R4 heart rate profile means', () => {
    const sd = packageDefinition('heartrate');
    const generated = regenerate(sd);
    expect(generated.errors).to.deep.equal([]);
    const value = generated.elements.find((e) => e['id'] === 'Observation.value[x]');
    expect((value?.['type'] as { code: string }[]).map((t) => t.code)).to.deep.equal(['Quantity']);
    expect(generated.elements.find((e) => e['id'] === 'Observation.value[x].code')?.['min']).to.equal(1);
  });

  it('validates against a profile posted without a snapshot', () => {
    const v = validatorWith([OBSERVATION_PROFILE]);
    expect(errorSummary(v.validate(potassium()))).to.deep.equal([]);
    const p = potassium();
    p['category'] = [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' }] }];
    (p['valueQuantity'] as Json)['code'] = 'mg/dL';
    p['subject'] = { reference: 'Group/g1' };
    const found = errorSummary(v.validate(p));
    expect(found).to.include('required @ Observation.category');
    expect(found).to.include('value @ Observation.valueQuantity.code');
    expect(found).to.include('structure @ Observation.subject');
    const text = { ...potassium(), valueString: '4.2' } as Json;
    delete text['valueQuantity'];
    expect(errorSummary(v.validate(text))).to.include('structure @ Observation.valueString');
  });

  it('reports a differential that its base cannot hold, and an unknown base', () => {
    const bad = structuredClone(OBSERVATION_PROFILE);
    (bad['differential'] as { element: Json[] }).element.push({ id: 'Observation.nonsense', path: 'Observation.nonsense', min: 1 });
    const issues = fullValidator().validate(bad);
    expect(errorSummary(issues)).to.include('processing @ StructureDefinition.differential');
    const orphan = { ...OBSERVATION_PROFILE, baseDefinition: 'http://example.org/fhir/StructureDefinition/nowhere' };
    expect(fullValidator().validate(orphan).some((i) => i.severity === 'error' && i.diagnostics.includes('not known'))).to.equal(true);
  });

  it('generates an extension definition: url fixed, value type narrowed', () => {
    const ext: Json = {
      resourceType: 'StructureDefinition',
      url: 'http://example.org/fhir/StructureDefinition/preferred-pharmacy',
      name: 'PreferredPharmacy',
      status: 'active',
      fhirVersion: '4.0.1',
      kind: 'complex-type',
      abstract: false,
      context: [{ type: 'element', expression: 'Patient' }],
      type: 'Extension',
      baseDefinition: 'http://hl7.org/fhir/StructureDefinition/Extension',
      derivation: 'constraint',
      differential: {
        element: [
          { id: 'Extension.extension', path: 'Extension.extension', max: '0' },
          { id: 'Extension.url', path: 'Extension.url', fixedUri: 'http://example.org/fhir/StructureDefinition/preferred-pharmacy' },
          { id: 'Extension.value[x]', path: 'Extension.value[x]', min: 1, type: [{ code: 'Reference', targetProfile: ['http://hl7.org/fhir/StructureDefinition/Organization'] }] },
        ],
      },
    };
    const v = validatorWith([ext]);
    const patient = (value: Json): Json => ({ resourceType: 'Patient', extension: [{ url: 'http://example.org/fhir/StructureDefinition/preferred-pharmacy', ...value }] });
    expect(errorSummary(v.validate(patient({ valueReference: { reference: 'Organization/o1' } })))).to.deep.equal([]);
    expect(errorSummary(v.validate(patient({ valueString: 'the one on the corner' })))).to.include('structure @ Patient.extension[0].valueString');
    expect(errorSummary(v.validate(patient({ valueReference: { reference: 'Patient/p2' } })))).to.include('structure @ Patient.extension[0].valueReference');
  });
});

/**
 * Instance examples of hl7.fhir.r4.examples@4.0.1 that break R4's own rules, each with the rule
 * and a test every error of the example must pass (so that a new, unexplained error still
 * fails the examples tests). The README lists them too.
 */

export interface IssueLike {
  readonly code?: string;
  readonly diagnostics?: string;
  readonly expression?: readonly string[];
}

export interface InvalidExample {
  readonly rule: string;
  readonly matches: (issue: IssueLike) => boolean;
}

const at = (i: IssueLike): string => i.expression?.[0] ?? '';
const invariant = (key: string) => (i: IssueLike) => i.code === 'invariant' && (i.diagnostics ?? '').includes(`${key}:`);
const target = (path: string) => (i: IssueLike) => i.code === 'structure' && at(i) === path && (i.diagnostics ?? '').includes('may only refer to');

const EMPTY_NARRATIVE: InvalidExample = {
  rule: 'txt-2: the narrative SHALL have some non-whitespace content (https://hl7.org/fhir/R4/narrative.html#rules); the div is whitespace only',
  matches: invariant('txt-2'),
};

export const INVALID_EXAMPLES: ReadonlyMap<string, InvalidExample> = new Map<string, InvalidExample>([
  [
    'Questionnaire-qs1.json',
    {
      rule: 'Questionnaire.item.linkId is 1..1 (https://hl7.org/fhir/R4/questionnaire-definitions.html#Questionnaire.item.linkId); 32 nested display items have none',
      matches: (i) => i.code === 'required' && at(i).endsWith('.linkId'),
    },
  ],
  ['ActivityDefinition-blood-tubes-supply.json', EMPTY_NARRATIVE],
  ['ActivityDefinition-heart-valve-replacement.json', EMPTY_NARRATIVE],
  ['EventDefinition-example.json', EMPTY_NARRATIVE],
  ['Questionnaire-zika-virus-exposure-assessment.json', EMPTY_NARRATIVE],
  [
    'Bundle-dataelements.json',
    {
      rule: 'bdl-7: fullUrl must be unique in a Bundle (https://hl7.org/fhir/R4/bundle.html#invs); entries repeat fullUrls such as http://hl7.org/fhir/StructureDefinition/de-Quantity.value',
      matches: invariant('bdl-7'),
    },
  ],
  [
    'DeviceMetric-example.json',
    {
      rule: 'DeviceMetric.parent is Reference(Device) (https://hl7.org/fhir/R4/devicemetric-definitions.html#DeviceMetric.parent); the example refers to DeviceDefinition/dc102',
      matches: target('DeviceMetric.parent'),
    },
  ],
  [
    'DeviceUseStatement-example.json',
    {
      rule: 'DeviceUseStatement.reasonReference is Reference(Condition | Observation | DiagnosticReport | DocumentReference | Media) (https://hl7.org/fhir/R4/deviceusestatement-definitions.html#DeviceUseStatement.reasonReference); the example refers to Procedure/example',
      matches: target('DeviceUseStatement.reasonReference[0]'),
    },
  ],
  [
    'MedicationRequest-medrx0301.json',
    {
      rule: 'MedicationRequest.dispenseRequest.performer is Reference(Organization) (https://hl7.org/fhir/R4/medicationrequest-definitions.html#MedicationRequest.dispenseRequest.performer); the example refers to Practitioner/f001',
      matches: target('MedicationRequest.dispenseRequest.performer'),
    },
  ],
  [
    'Observation-clinical-gender.json',
    {
      rule: 'Observation.performer may not refer to an Encounter (https://hl7.org/fhir/R4/observation-definitions.html#Observation.performer); the example refers to Encounter/example',
      matches: target('Observation.performer[0]'),
    },
  ],
]);

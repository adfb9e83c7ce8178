import { validateInValueSet } from '../../terminology/validate-code.js';
import { codedInputs, booleanParam, officialDefinition, requiredTarget, terminologyCall, validateCodeOutput } from './terminology-input.js';
import type { FhirOperation } from './types.js';

/**
 * ValueSet $validate-code (https://hl7.org/fhir/R4/valueset-operation-validate-code.html):
 * whether a code / Coding / CodeableConcept is in the value set; `display` is checked too.
 * Returns Parameters with result, message and display.
 */
export const valueSetValidateCode: FhirOperation = {
  code: 'validate-code',
  definition: officialDefinition('ValueSet-validate-code'),
  resourceTypes: ['ValueSet'],
  levels: ['type', 'instance'],
  idempotent: true,
  async handle(request, deps) {
    const vs = await requiredTarget(request, deps, 'ValueSet', 'valueSet', 'validate-code');
    const codings = codedInputs(request.input, 'system');
    const abstractAllowed = booleanParam(request.input, 'abstract') ?? false;
    const r = terminologyCall(() => validateInValueSet(deps.conformance.terminology, vs, codings, abstractAllowed));
    return { status: 200, resource: validateCodeOutput(r) };
  },
};

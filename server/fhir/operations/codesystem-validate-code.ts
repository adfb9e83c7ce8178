import { notFound } from '../../errors/fhir-error.js';
import { validateInCodeSystem } from '../../terminology/validate-code.js';
import { stringProp } from '../model/json-object.js';
import { booleanParam, codedInputs, officialDefinition, requiredTarget, validateCodeOutput } from './terminology-input.js';
import type { FhirOperation } from './types.js';

/**
 * CodeSystem $validate-code (https://hl7.org/fhir/R4/codesystem-operation-validate-code.html):
 * whether a code is defined by the code system (and its display one of the concept's).
 */
export const codeSystemValidateCode: FhirOperation = {
  code: 'validate-code',
  definition: officialDefinition('CodeSystem-validate-code'),
  resourceTypes: ['CodeSystem'],
  levels: ['type', 'instance'],
  idempotent: true,
  async handle(request, deps) {
    const cs = await requiredTarget(request, deps, 'CodeSystem', 'codeSystem', 'validate-code');
    if (cs['content'] === 'not-present') throw notFound(`The concepts of ${stringProp(cs, 'url') ?? 'this code system'} are not held by this server`);
    const index = deps.conformance.terminology.codeSystemFor(cs);
    const codings = codedInputs(request.input, 'system', index.url);
    const r = validateInCodeSystem(index, codings, booleanParam(request.input, 'abstract') ?? true);
    return { status: 200, resource: validateCodeOutput(r) };
  },
};

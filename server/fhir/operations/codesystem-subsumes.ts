import { invalid, notFound } from '../../errors/fhir-error.js';
import { subsumes } from '../../terminology/lookup.js';
import { systemLabel } from '../../terminology/terminology-service.js';
import { stringProp } from '../model/json-object.js';
import { primitiveParam } from './input.js';
import { codingParam, officialDefinition, outputParameters, targetResource, terminologyCall } from './terminology-input.js';
import type { FhirOperation } from './types.js';

/**
 * CodeSystem $subsumes (https://hl7.org/fhir/R4/codesystem-operation-subsumes.html): how codeA
 * relates to codeB in the code system's is-a hierarchy: equivalent, subsumes, subsumed-by or
 * not-subsumed.
 */
export const codeSystemSubsumes: FhirOperation = {
  code: 'subsumes',
  definition: officialDefinition('CodeSystem-subsumes'),
  resourceTypes: ['CodeSystem'],
  levels: ['type', 'instance'],
  idempotent: true,
  async handle(request, deps) {
    await deps.conformance.ensureFresh();
    const { input } = request;
    const a = codingParam(input, 'codingA');
    const b = codingParam(input, 'codingB');
    const instance = request.level === 'instance' ? await targetResource(request, deps, 'CodeSystem', 'codeSystem') : undefined;
    const system = (instance === undefined ? undefined : stringProp(instance, 'url')) ?? primitiveParam(input, 'system') ?? a?.system ?? b?.system;
    const codeA = a?.code ?? primitiveParam(input, 'codeA');
    const codeB = b?.code ?? primitiveParam(input, 'codeB');
    if (system === undefined || codeA === undefined || codeB === undefined) {
      throw invalid('$subsumes needs system with codeA and codeB, or codingA and codingB');
    }
    for (const c of [a, b]) {
      if (c?.system !== undefined && c.system !== system) throw invalid(`The codings must both be from ${system}`);
    }
    const terminology = deps.conformance.terminology;
    const cs = instance === undefined ? terminology.codeSystem(system, primitiveParam(input, 'version')) : terminology.codeSystemFor(instance);
    if (cs === undefined) throw notFound(`The code system ${systemLabel(system)} is not held by this server`);
    const outcome = terminologyCall(() => subsumes(cs, codeA, codeB));
    return { status: 200, resource: outputParameters([{ name: 'outcome', valueCode: outcome }]) };
  },
};

import { invalid } from '../../errors/fhir-error.js';
import { mapFits, translate, type TranslateRequest } from '../../terminology/translate.js';
import { booleanParam, codedInputs, officialDefinition, outputParameters, targetResource } from './terminology-input.js';
import { primitiveParam } from './input.js';
import type { FhirOperation } from './types.js';

/**
 * ConceptMap $translate (https://hl7.org/fhir/R4/conceptmap-operation-translate.html): through
 * the map given (instance, `url`, inline `conceptMap`), else through every held map whose
 * `source` / `target` value sets fit the request; `targetsystem` narrows the groups and
 * `reverse` maps target codes back to source codes.
 */
export const conceptMapTranslate: FhirOperation = {
  code: 'translate',
  definition: officialDefinition('ConceptMap-translate'),
  resourceTypes: ['ConceptMap'],
  levels: ['type', 'instance'],
  idempotent: true,
  async handle(request, deps) {
    await deps.conformance.ensureFresh();
    const { input } = request;
    const given = await targetResource(request, deps, 'ConceptMap', 'conceptMap');
    const source = primitiveParam(input, 'source');
    const target = primitiveParam(input, 'target');
    const targetSystem = primitiveParam(input, 'targetsystem');
    const reverse = booleanParam(input, 'reverse');
    const req: TranslateRequest = {
      codings: codedInputs(input, 'system'),
      ...(source === undefined ? {} : { source }),
      ...(target === undefined ? {} : { target }),
      ...(targetSystem === undefined ? {} : { targetSystem }),
      ...(reverse === undefined ? {} : { reverse }),
    };
    if (given === undefined && source === undefined && target === undefined && targetSystem === undefined && req.codings.every((c) => c.system === undefined)) {
      throw invalid('$translate needs a concept map (instance, url or conceptMap), or a source, target, targetsystem or code system to choose one');
    }
    const registry = deps.conformance.registry;
    const maps = given !== undefined ? [given] : registry.list('ConceptMap').filter((cm) => mapFits(cm, req));
    const r = translate(maps, req, (url) => registry.resolve('ConceptMap', url));
    return {
      status: 200,
      resource: outputParameters([
        { name: 'result', valueBoolean: r.result },
        r.message === undefined ? undefined : { name: 'message', valueString: r.message },
        ...r.matches.map((m) => ({
          name: 'match',
          part: [
            { name: 'equivalence', valueCode: m.equivalence },
            ...(m.concept === undefined ? [] : [{ name: 'concept', valueCoding: m.concept }]),
            { name: 'source', valueUri: m.source },
          ],
        })),
      ]),
    };
  },
};

import { invalid, notFound } from '../../errors/fhir-error.js';
import { systemLabel } from '../../terminology/terminology-service.js';
import { lookup } from '../../terminology/lookup.js';
import { params, primitiveParam } from './input.js';
import { codingParam, officialDefinition, outputParameters, terminologyCall } from './terminology-input.js';
import type { FhirOperation } from './types.js';

/**
 * CodeSystem $lookup (https://hl7.org/fhir/R4/codesystem-operation-lookup.html): name, version,
 * display, designations and properties (parent, child, definition, inactive and the code
 * system's own) of a code of a held code system; `property` narrows the properties.
 */
export const codeSystemLookup: FhirOperation = {
  code: 'lookup',
  definition: officialDefinition('CodeSystem-lookup'),
  resourceTypes: ['CodeSystem'],
  levels: ['type'],
  idempotent: true,
  async handle(request, deps) {
    await deps.conformance.ensureFresh();
    const { input } = request;
    const coding = codingParam(input, 'coding');
    const system = coding?.system ?? primitiveParam(input, 'system');
    const code = coding?.code ?? primitiveParam(input, 'code');
    if (system === undefined || code === undefined) throw invalid('$lookup needs system and code, or coding');
    const version = coding?.version ?? primitiveParam(input, 'version');
    const cs = deps.conformance.terminology.codeSystem(system, version);
    if (cs === undefined) throw notFound(`The code system ${systemLabel(system)} is not held by this server`);
    const wanted = params(input, 'property').flatMap((p) => [p.valueCode, p.valueString].filter((v): v is string => typeof v === 'string'));
    const r = terminologyCall(() => lookup(cs, code, wanted));
    return {
      status: 200,
      resource: outputParameters([
        { name: 'name', valueString: r.name },
        r.version === undefined ? undefined : { name: 'version', valueString: r.version },
        { name: 'display', valueString: r.display },
        ...r.designations.map((d) => ({
          name: 'designation',
          part: [
            ...(typeof d['language'] === 'string' ? [{ name: 'language', valueCode: d['language'] }] : []),
            ...(d['use'] === undefined ? [] : [{ name: 'use', valueCoding: d['use'] }]),
            { name: 'value', valueString: d['value'] },
          ],
        })),
        ...r.properties.map((p) => ({
          name: 'property',
          part: [{ name: 'code', valueCode: p.code }, { name: 'value', ...p.value }, ...(p.description === undefined ? [] : [{ name: 'description', valueString: p.description }])],
        })),
      ]),
    };
  },
};

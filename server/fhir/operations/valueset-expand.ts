import { expandToValueSet } from '../../terminology/expand.js';
import { primitiveParam } from './input.js';
import { booleanParam, integerParam, officialDefinition, requiredTarget, terminologyCall } from './terminology-input.js';
import type { FhirOperation } from './types.js';

/**
 * ValueSet $expand (https://hl7.org/fhir/R4/valueset-operation-expand.html): the value set by
 * instance, `url` or inline `valueSet`; `filter`, `offset`, `count`, `includeDesignations`,
 * `activeOnly`, `excludeNotForUI`. Nested value sets and filters (is-a, descendent-of,
 * is-not-a, =, in, not-in, regex, exists) are expanded from the code systems the server holds.
 */
export const valueSetExpand: FhirOperation = {
  code: 'expand',
  definition: officialDefinition('ValueSet-expand'),
  resourceTypes: ['ValueSet'],
  levels: ['type', 'instance'],
  idempotent: true,
  async handle(request, deps) {
    const vs = await requiredTarget(request, deps, 'ValueSet', 'valueSet', 'expand');
    const { input } = request;
    const filter = primitiveParam(input, 'filter');
    const offset = integerParam(input, 'offset');
    const count = integerParam(input, 'count');
    const includeDesignations = booleanParam(input, 'includeDesignations');
    const activeOnly = booleanParam(input, 'activeOnly');
    const excludeNotForUI = booleanParam(input, 'excludeNotForUI');
    const expanded = terminologyCall(() =>
      expandToValueSet(deps.conformance.terminology, vs, {
        ...(filter === undefined ? {} : { filter }),
        ...(offset === undefined ? {} : { offset }),
        ...(count === undefined ? {} : { count }),
        ...(includeDesignations === undefined ? {} : { includeDesignations }),
        ...(activeOnly === undefined ? {} : { activeOnly }),
        ...(excludeNotForUI === undefined ? {} : { excludeNotForUI }),
      }),
    );
    return { status: 200, resource: expanded };
  },
};

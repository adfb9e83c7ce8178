import { invalid } from '../../errors/fhir-error.js';
import { isResourceType } from '../model/resource-types.js';
import { ALL_TYPES } from '../search/definitions/registry.js';
import type { RouteHandler } from './context.js';
import { runSearch, searchParams, strictHandling, type SearchDeps } from './search-response.js';

/**
 * search-system: GET [base]?_type=… and POST [base]/_search
 * (https://hl7.org/fhir/R4/http.html#search): `_type` lists the types searched;
 * without it every type is, and only parameters common to all apply.
 */
export function searchSystem(deps: SearchDeps): RouteHandler {
  return async function searchAll(ctx) {
    ctx.state.interaction = 'search-system';
    const params = await searchParams(ctx, deps.maxBodyBytes);
    const typeParam = params.filter(([k]) => k === '_type').flatMap(([, v]) => v.split(','));
    const unknown = typeParam.find((t) => !isResourceType(t));
    if (unknown !== undefined) throw invalid(`_type: '${unknown}' is not a resource type`, ['_type']);
    await runSearch(ctx, deps, {
      types: typeParam.length > 0 ? [...new Set(typeParam)] : ALL_TYPES,
      params,
      strict: strictHandling(ctx),
      path: '',
    });
  };
}

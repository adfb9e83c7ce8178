import { invalid } from '../../errors/fhir-error.js';
import { isValidId } from '../model/ids.js';
import { param, type RouteHandler } from './context.js';
import { runSearch, searchParams, strictHandling, type SearchDeps } from './search-response.js';

/**
 * Compartment search: GET [base]/[compartment]/[id]/[type]?…
 * (https://hl7.org/fhir/R4/http.html#vsearch), e.g. Patient/123/Observation.
 */
export function searchCompartment(deps: SearchDeps): RouteHandler {
  return async function searchInCompartment(ctx) {
    ctx.state.interaction = 'search-type';
    const compartment = param(ctx, 'compartment');
    // Not :id: route guards read :type/:id as the resource addressed, which this is not.
    const id = param(ctx, 'compartmentId');
    if (!isValidId(id)) throw invalid(`${compartment}/${id}: not a valid resource id`);
    const type = param(ctx, 'type');
    await runSearch(ctx, deps, {
      types: [type],
      params: await searchParams(ctx, deps.maxBodyBytes),
      strict: strictHandling(ctx),
      compartment: { type: compartment, id },
      path: `/${compartment}/${id}/${type}`,
    });
  };
}

import { param, type RouteHandler } from './context.js';
import { runSearch, searchParams, strictHandling, type SearchDeps } from './search-response.js';

/** search-type: GET [base]/[type]?… and POST [base]/[type]/_search (https://hl7.org/fhir/R4/http.html#search). */
export function searchType(deps: SearchDeps): RouteHandler {
  return async function searchByType(ctx) {
    ctx.state.interaction = 'search-type';
    const type = param(ctx, 'type');
    await runSearch(ctx, deps, {
      types: [type],
      params: await searchParams(ctx, deps.maxBodyBytes),
      strict: strictHandling(ctx),
      path: `/${type}`,
    });
  };
}

/**
 * Criteria of conditional create / update / delete / patch
 * (https://hl7.org/fhir/R4/http.html#cond-update) parsed by the search engine,
 * so any search parameter works there. Unknown parameters are errors: ignoring
 * one would widen the match and write to the wrong resource.
 */
import { FhirError } from '../../errors/fhir-error.js';
import type { Condition } from '../../store/search/condition.js';
import type { SearchContext, Terminology } from './query/context.js';
import { parseSearch } from './query/parse.js';

/** Terminology for contexts without a store: no ValueSet is known, no hierarchy. */
export const NO_TERMINOLOGY: Terminology = {
  valueSetCodes: () => Promise.resolve(undefined),
  subsumption: () => Promise.resolve(undefined),
};

const STRICT_WHY = 'the criteria of a conditional request may use only search parameters this server knows';

/**
 * A search engine's refusal as the criteria's: its issues name a parameter, which is
 * no FHIRPath expression; the criteria are named in the text instead (a Bundle entry
 * adds where they came from).
 */
function criteriaError(query: string, err: FhirError): FhirError {
  const issues = err.issues.map(({ expression: _unused, ...issue }) => ({ ...issue, diagnostics: `Conditional criteria '${query}': ${issue.diagnostics}` }));
  return new FhirError(err.kind, issues[0]?.diagnostics ?? err.message, { issues, cause: err });
}

export async function parseConditionalCriteria(resourceType: string, query: string, ctx: SearchContext): Promise<Condition[]> {
  const params = [...new URLSearchParams(query.startsWith('?') ? query.slice(1) : query)];
  const parsed = await parseSearch(params, [resourceType], ctx, { strict: true, strictWhy: STRICT_WHY, defaultCount: 1, maxCount: 1 }).catch((err: unknown) => {
    throw err instanceof FhirError && err.kind === 'invalid' ? criteriaError(query, err) : err;
  });
  if (parsed.conditions.length === 0) throw new FhirError('invalid', 'Conditional request without criteria');
  return [...parsed.conditions];
}

import { invalid } from '../../errors/fhir-error.js';
import type { IdentifierCriterion, MatchCriteria } from '../../store/types.js';

/** Parameters that shape a response rather than select resources; never criteria. */
const RESULT_PARAMETERS = new Set(['_format', '_pretty', '_summary', '_elements']);

function parseIdentifier(token: string): IdentifierCriterion {
  const bar = token.indexOf('|');
  if (bar < 0) return { system: undefined, value: token };
  const system = token.slice(0, bar);
  const value = token.slice(bar + 1);
  return { system: system === '' ? null : system, value: value === '' ? undefined : value };
}

/**
 * Criteria of a conditional create / update / delete
 * (https://hl7.org/fhir/R4/http.html#cond-update). Until the search engine lands
 * only `_id` and `identifier` are understood; anything else is refused rather
 * than silently ignored, because ignoring a criterion would widen the match.
 */
export function parseConditionalCriteria(query: string): MatchCriteria {
  const params = new URLSearchParams(query.startsWith('?') ? query.slice(1) : query);
  let ids: string[] | undefined;
  const identifiers: IdentifierCriterion[] = [];
  let any = false;
  for (const [name, value] of params) {
    if (RESULT_PARAMETERS.has(name)) continue;
    any = true;
    const parts = value.split(',').filter((v) => v !== '');
    if (parts.length === 0) throw invalid(`Empty value for search parameter '${name}'`);
    if (name === '_id') {
      ids = ids === undefined ? parts : ids.filter((i) => parts.includes(i));
    } else if (name === 'identifier') {
      if (identifiers.length > 0) throw invalid("Only one 'identifier' criterion is supported");
      identifiers.push(...parts.map(parseIdentifier));
    } else {
      throw invalid(`Search parameter '${name}' is not supported in conditional criteria (supported: _id, identifier)`);
    }
  }
  if (!any) throw invalid('Conditional request without criteria');
  return { ...(ids === undefined ? {} : { ids }), ...(identifiers.length > 0 ? { identifiers } : {}) };
}

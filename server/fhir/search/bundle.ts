/**
 * The searchset Bundle (https://hl7.org/fhir/R4/bundle.html, search.html#return):
 * matches with `search.mode = match`, included resources with `include`, and
 * an OperationOutcome about ignored parameters with `outcome`. Stored resource
 * text is spliced in unparsed unless the client asked for a subset.
 */
import type { OperationOutcome } from 'fhir/r4.js';
import { withResourceType } from '../../store/resource-store.js';
import type { SearchRow } from '../../store/search/search-store.js';
import type { PageLink } from './paging.js';

/** Reshapes one resource's JSON text (`_summary` / `_elements`), or leaves it. */
export type Shape = (resourceJson: string) => string;

export interface SearchPage {
  readonly total: number | undefined;
  readonly links: readonly PageLink[];
  readonly matches: readonly SearchRow[];
  readonly included: readonly SearchRow[];
  readonly outcome: OperationOutcome | undefined;
}

function entry(base: string, row: SearchRow, mode: 'match' | 'include', shape: Shape): string {
  const fullUrl = JSON.stringify(`${base}/${row.resourceType}/${row.id}`);
  const resource = shape(withResourceType(row.resourceType, row.content));
  return `{"fullUrl":${fullUrl},"resource":${resource},"search":{"mode":"${mode}"}}`;
}

export function searchBundleJson(base: string, page: SearchPage, shape: Shape): string {
  const head = {
    resourceType: 'Bundle',
    type: 'searchset',
    ...(page.total === undefined ? {} : { total: page.total }),
    link: page.links,
  };
  const entries = [
    ...page.matches.map((r) => entry(base, r, 'match', shape)),
    ...page.included.map((r) => entry(base, r, 'include', shape)),
  ];
  if (page.outcome !== undefined) entries.push(`{"resource":${JSON.stringify(page.outcome)},"search":{"mode":"outcome"}}`);
  return `${JSON.stringify(head).slice(0, -1)},"entry":[${entries.join(',')}]}`;
}

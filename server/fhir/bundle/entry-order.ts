import type { EntryMethod, EntryRequest } from './entry-request.js';

/**
 * Processing phases (https://hl7.org/fhir/R4/http.html#trules): DELETE, then POST,
 * then PUT / PATCH, then GET / HEAD. Batches use the same order (http.html#brules).
 */
export const PHASES: readonly (readonly EntryMethod[])[] = [['DELETE'], ['POST'], ['PUT', 'PATCH'], ['GET', 'HEAD']];

const identity = (e: EntryRequest): string => `${e.resourceType}/${e.id ?? ''}?${e.query ?? ''}`;

/**
 * The entries of one phase. Within a phase the order does not matter to the result
 * (the spec makes it order-independent), so it is chosen to avoid deadlocks: writes
 * on known ids go in identity order, so two Bundles touching the same rows lock
 * them in the same order; POSTs with conditional criteria go first, so plain POSTs
 * that reference them conditionally find them.
 */
export function phaseEntries(entries: readonly EntryRequest[], methods: readonly EntryMethod[]): EntryRequest[] {
  const selected = entries.filter((e) => methods.includes(e.method));
  if (methods.includes('POST')) {
    return [...selected.filter((e) => e.ifNoneExist !== undefined), ...selected.filter((e) => e.ifNoneExist === undefined)];
  }
  if (methods.includes('GET')) return selected;
  return selected.sort((a, b) => (identity(a) < identity(b) ? -1 : identity(a) > identity(b) ? 1 : a.index - b.index));
}

/** Criteria of conditional create / update / delete, to lock up front in one order. */
export function conditionalCriteria(entries: readonly EntryRequest[]): { resourceType: string; query: string }[] {
  const out: { resourceType: string; query: string }[] = [];
  for (const e of entries) {
    if (e.method === 'POST' && e.ifNoneExist !== undefined) out.push({ resourceType: e.resourceType, query: e.ifNoneExist });
    else if ((e.method === 'PUT' || e.method === 'DELETE') && e.id === undefined && e.query !== undefined) {
      out.push({ resourceType: e.resourceType, query: e.query });
    }
  }
  return out;
}

import { FhirError, notSupported } from '../../errors/fhir-error.js';
import { isJsonObject } from '../model/json-object.js';
import { notModified } from '../../http/conditional-read.js';
import type { StoredVersion } from '../../store/types.js';
import type { Repository } from '../repository/repository.js';
import { searchBundleJson } from '../search/bundle.js';
import type { SearchService } from '../search/search-service.js';
import type { EntryRequest } from './entry-request.js';
import type { EntryAccess, EntryOutcome } from './types.js';

/** What GET / HEAD entries read through. */
export interface ReadDeps {
  readonly repository: Repository;
  /** The search engine; without it search entries are refused. */
  readonly search: SearchService | undefined;
  readonly serverBase: string;
}

export const searchUnavailable = (): FhirError => notSupported('Search is not available in Bundle entries on this server');

/** The parameters of a search entry, as the search engine reads them. */
function searchParams(e: EntryRequest): [string, string][] {
  return [...new URLSearchParams(e.query ?? '')];
}

/**
 * Throws what running the search entry would throw for its parameters (400, or 501
 * without a search engine), without running it: a transaction checks its search
 * entries before it commits (https://hl7.org/fhir/R4/http.html#trules: a failure
 * anywhere fails the whole transaction), though they run after the commit.
 */
export async function checkSearchEntry(deps: ReadDeps, e: EntryRequest): Promise<void> {
  if (deps.search === undefined) throw searchUnavailable();
  await deps.search.check({ types: [e.resourceType], params: searchParams(e), strict: false });
}

/**
 * GET [type]?[criteria] through the search engine (https://hl7.org/fhir/R4/http.html#search):
 * the entry's resource is the searchset Bundle, paging links included. `_summary` /
 * `_elements` select what is matched and counted but do not reshape the resources here.
 */
async function searchEntry(deps: ReadDeps, e: EntryRequest, access: EntryAccess | undefined): Promise<EntryOutcome> {
  if (deps.search === undefined) throw searchUnavailable();
  const params = searchParams(e);
  // Confined in SQL like a REST search (the guard still screens the response Bundle).
  const confine = access?.searchConstraint?.bind(access);
  const out = await deps.search.search({ types: [e.resourceType], params, strict: false, path: `/${e.resourceType}`, ...(confine === undefined ? {} : { confine }) });
  if (out.kind === 'explain') return { kind: 'searched', json: JSON.stringify(out.outcome) };
  return { kind: 'searched', json: searchBundleJson(deps.serverBase, out.page, (json) => json) };
}

/** GET / HEAD of `Type/id`, `Type/id/_history/vid` (https://hl7.org/fhir/R4/http.html#read) or `Type?criteria`. */
export async function readEntry(deps: ReadDeps, e: EntryRequest, access?: EntryAccess): Promise<EntryOutcome> {
  if (e.id === undefined) return searchEntry(deps, e, access);
  const { repository } = deps;
  const stored =
    e.versionId === undefined ? await repository.read(e.resourceType, e.id) : await repository.vread(e.resourceType, e.id, e.versionId);
  return readOutcome(e, stored, access);
}

/**
 * A GET / HEAD entry's answer: the stored version, or 304 for a conditional read whose
 * copy is current (https://hl7.org/fhir/R4/http.html#cread). An answer without the
 * resource (HEAD, 304) still tells its version and time, and the response screen has no
 * resource to judge: the caller's access judges the stored one here, as the REST guard
 * does for a 304.
 */
export function readOutcome(e: EntryRequest, stored: StoredVersion, access: EntryAccess | undefined): EntryOutcome {
  const head = e.method === 'HEAD';
  const unchanged = notModified(e.readConditions, stored.versionId, stored.lastUpdated);
  if ((head || unchanged) && access?.disclose !== undefined) {
    const resource: unknown = stored.json === null ? undefined : JSON.parse(stored.json);
    if (!isJsonObject(resource) || !access.disclose(resource)) throw new FhirError('forbidden', 'The granted access does not cover this resource');
  }
  return { kind: 'read', stored, head, notModified: unchanged };
}

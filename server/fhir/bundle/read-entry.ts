import { notSupported, type FhirError } from '../../errors/fhir-error.js';
import type { Repository } from '../repository/repository.js';
import type { EntryRequest } from './entry-request.js';
import type { EntryOutcome } from './types.js';

/** Search in Bundles waits for the search engine (issue #3); until then it is refused, never ignored. */
export const searchPending = (): FhirError =>
  notSupported('Search (GET [type]?[criteria] or GET [type]) is not supported in Bundle entries yet; read and vread are');

/** GET / HEAD of `Type/id` or `Type/id/_history/vid` (https://hl7.org/fhir/R4/http.html#read). */
export async function readEntry(repository: Repository, e: EntryRequest): Promise<EntryOutcome> {
  if (e.id === undefined) throw searchPending();
  const stored =
    e.versionId === undefined ? await repository.read(e.resourceType, e.id) : await repository.vread(e.resourceType, e.id, e.versionId);
  return { kind: 'read', stored, head: e.method === 'HEAD' };
}

import { FhirError } from '../errors/fhir-error.js';
import type { BundleProcessor } from '../fhir/bundle/bundle-processor.js';
import type { BundleResult, EntryAccess } from '../fhir/bundle/types.js';
import type { JsonObject } from '../fhir/model/json-object.js';

/**
 * Loads a chunk of NDJSON entries (ndjsonEntry) in one transaction: fast, and all or
 * nothing. When the transaction fails on an entry (a 4xx: invalid, refused, ...) the
 * chunk is loaded again as a batch, so only its bad lines fail. Anything else (the
 * database gone) is thrown: the lines are not bad, the chunk is to be tried again.
 * The CLI importer and the asynchronous `$import` worker both load chunks here.
 */
export async function loadNdjsonEntries(processor: BundleProcessor, entries: readonly JsonObject[], access?: EntryAccess): Promise<BundleResult> {
  try {
    return await processor.process({ resourceType: 'Bundle', type: 'transaction', entry: entries }, access);
  } catch (err) {
    if (!(err instanceof FhirError) || err.status >= 500) throw err;
    return processor.process({ resourceType: 'Bundle', type: 'batch', entry: entries }, access);
  }
}

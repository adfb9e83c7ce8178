import type { BundleProcessor } from '../fhir/bundle/bundle-processor.js';
import type { BundleResult, EntryAccess } from '../fhir/bundle/types.js';
import type { JsonObject } from '../fhir/model/json-object.js';

/**
 * Loads a chunk of NDJSON entries (ndjsonEntry) in one transaction: fast, and all or
 * nothing. When the transaction fails, the chunk is loaded again as a batch, so only
 * its bad lines fail: lines refused for their content (4xx), and lines the database
 * refused (5xx; a value it cannot store, or the database gone for all of them). The
 * CLI importer reports both; the `$import` worker tries a chunk with 5xx lines again
 * (import-chunk.ts). Both load chunks here.
 */
export async function loadNdjsonEntries(processor: BundleProcessor, entries: readonly JsonObject[], access?: EntryAccess): Promise<BundleResult> {
  try {
    return await processor.process({ resourceType: 'Bundle', type: 'transaction', entry: entries }, access);
  } catch {
    return processor.process({ resourceType: 'Bundle', type: 'batch', entry: entries }, access);
  }
}

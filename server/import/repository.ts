import type { Config } from '../config/schema.js';
import { Repository } from '../fhir/repository/repository.js';
import { officialRegistry } from '../fhir/search/definitions/registry.js';
import { SearchIndexer } from '../fhir/search/index/indexer.js';
import { SearchService } from '../fhir/search/search-service.js';
import type { Validator } from '../fhir/validation/index.js';
import type { ResourceStore } from '../store/resource-store.js';

/**
 * The repository the importer writes through, wired as createApp wires the server's
 * (search indexing with the same settings and held terminology), so an imported
 * resource is stored and indexed exactly as a POSTed one.
 */
export function repositoryFor(store: ResourceStore, validator: Validator, config: Config, baseUrl: string): Repository {
  const registry = (): ReturnType<typeof officialRegistry> => officialRegistry();
  const search = new SearchService(store.search(), registry, {
    baseUrl,
    defaultCount: config.searchDefaultCount,
    maxCount: config.searchMaxCount,
    maxIncludes: config.searchMaxIncludes,
    explain: config.searchExplain,
  });
  return new Repository(store, validator, new SearchIndexer(registry, baseUrl, config.searchContentIndex, search.heldTerminology));
}

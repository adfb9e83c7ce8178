import type { Config } from '../config/schema.js';
import { Repository } from '../fhir/repository/repository.js';
import { createSearchEngine } from '../fhir/search/engine.js';
import type { Validator } from '../fhir/validation/index.js';
import type { ResourceStore } from '../store/resource-store.js';

/**
 * The repository the importer writes through, wired as createApp wires the server's
 * (the same search engine: official and custom parameters, held terminology), so an
 * imported resource is stored and indexed exactly as a POSTed one.
 */
export function repositoryFor(store: ResourceStore, validator: Validator, config: Config, baseUrl: string): Repository {
  return new Repository(store, validator, createSearchEngine(store, config, baseUrl).indexer);
}

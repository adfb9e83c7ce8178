/**
 * The search engine of one server (or importer) process, wired once: the
 * parameters in force (official + custom), the search service, the indexer the
 * write path uses, and `$reindex`.
 */
import type { Config } from '../../config/schema.js';
import type { ResourceStore } from '../../store/resource-store.js';
import { SearchParamProvider } from './definitions/provider.js';
import { SearchIndexer } from './index/indexer.js';
import { Reindexer } from './reindex.js';
import { SearchService } from './search-service.js';

export interface SearchEngine {
  readonly provider: SearchParamProvider;
  readonly service: SearchService;
  readonly indexer: SearchIndexer;
  readonly reindexer: Reindexer;
}

export function createSearchEngine(store: ResourceStore, config: Config, baseUrl: string): SearchEngine {
  const provider = new SearchParamProvider(store.search(), config.searchParameterRefreshMs);
  const service = new SearchService(store.search().withHasInnerFirstRows(config.searchHasInnerFirstRows), provider, {
    baseUrl,
    defaultCount: config.searchDefaultCount,
    maxCount: config.searchMaxCount,
    maxIncludes: config.searchMaxIncludes,
    explain: config.searchExplain,
  });
  const content = !config.searchContentIndex ? 'off' : config.searchContentDeferred ? 'deferred' : 'inline';
  const indexer = new SearchIndexer(() => provider.registry(), baseUrl, content, service.heldTerminology, (r) => {
    provider.written(r);
  });
  const reindexer = new Reindexer(store.reindex(), (r) => indexer.allRows(r), () => provider.fresh());
  return { provider, service, indexer, reindexer };
}

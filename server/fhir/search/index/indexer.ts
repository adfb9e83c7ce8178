import type { Condition } from '../../../store/search/condition.js';
import type { IndexRows } from '../../../store/search/rows.js';
import { isResourceType } from '../../model/resource-types.js';
import { NO_TERMINOLOGY, parseConditionalCriteria } from '../criteria.js';
import type { SearchParamRegistry } from '../definitions/registry.js';
import type { Terminology } from '../query/context.js';
import { extractIndexRows } from './extract.js';

/** What the write path needs from search (issue #3). */
export interface Indexer {
  /** The search index rows of a resource about to be written (same statement as the write). */
  rows(resource: Record<string, unknown> & { resourceType: string }): IndexRows;
  /** Conditional create / update / delete criteria as search conditions (400 for unknown parameters). */
  criteria(resourceType: string, query: string): Promise<Condition[]>;
}

/**
 * Where `_content` rows are written: in the write statement, by the background
 * worker shortly after (store/search/content-index.ts), or not at all.
 */
export type ContentIndexing = 'inline' | 'deferred' | 'off';

/**
 * The indexer of a running server: the current registry (official parameters
 * plus custom SearchParameters, which can change while it runs), its base URL,
 * and the terminology `:in` / `:below` criteria need (none known by default).
 */
export class SearchIndexer implements Indexer {
  constructor(
    private readonly registry: () => SearchParamRegistry,
    private readonly baseUrl: string,
    private readonly content: ContentIndexing,
    private readonly terminology: Terminology = NO_TERMINOLOGY,
    /** Told of every SearchParameter about to be written (custom parameters take effect; 400 if unusable). */
    private readonly onSearchParameter?: (resource: Record<string, unknown>) => void,
  ) {}

  rows(resource: Record<string, unknown> & { resourceType: string }): IndexRows {
    if (resource.resourceType === 'SearchParameter') this.onSearchParameter?.(resource);
    const rows = extractIndexRows(this.registry(), resource, { baseUrl: this.baseUrl, content: this.content === 'inline' });
    rows.contentDeferred = this.content === 'deferred';
    return rows;
  }

  /** Every row of an existing resource, `_content` included (unless off): `$reindex` replaces them all at once. */
  allRows(resource: Record<string, unknown> & { resourceType: string }): IndexRows {
    return extractIndexRows(this.registry(), resource, { baseUrl: this.baseUrl, content: this.content !== 'off' });
  }

  criteria(resourceType: string, query: string): Promise<Condition[]> {
    return parseConditionalCriteria(resourceType, query, {
      registry: this.registry(),
      baseUrl: this.baseUrl,
      terminology: this.terminology,
      isResourceType,
    });
  }
}

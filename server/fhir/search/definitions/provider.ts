/**
 * The parameters in force: the official R4 set plus the SearchParameter
 * resources stored on this server (custom parameters). A write of a
 * SearchParameter takes effect in this process at once (the indexer tells the
 * provider before the write); every process also reloads the stored ones when
 * the SearchParameter rows change, checked at most every `refreshMs`, so
 * several server processes converge on the same set.
 */
import { invalid } from '../../../errors/fhir-error.js';
import type { SearchStore } from '../../../store/search/search-store.js';
import { officialRegistry, type SearchParamRegistry } from './registry.js';
import { resolveParam } from './resolve-param.js';
import { officialSearchParameters, toSearchParamDef, type SearchParamDef } from './search-parameter.js';

/** Most custom SearchParameters loaded. */
const MAX_CUSTOM = 10_000;

export class SearchParamProvider {
  private current: SearchParamRegistry = officialRegistry();
  private custom = new Map<string, SearchParamDef>();
  private version = '';
  private checked = 0;
  private checking: Promise<void> | undefined;
  private readonly officialUrls = new Set(officialSearchParameters().map((d) => d.url));

  constructor(
    private readonly store: SearchStore,
    private readonly refreshMs: number,
  ) {}

  /** The registry now; starts a background check when the last one is older than refreshMs. */
  registry(): SearchParamRegistry {
    if (Date.now() - this.checked >= this.refreshMs && this.checking === undefined) {
      this.checking = this.refresh()
        .catch(() => undefined)
        .finally(() => {
          this.checking = undefined;
        });
    }
    return this.current;
  }

  /** Waits for any check in flight and makes one if due (searches call this first). */
  async fresh(): Promise<SearchParamRegistry> {
    this.registry();
    if (this.checking !== undefined) await this.checking;
    return this.current;
  }

  /** Reloads the stored SearchParameters when their rows changed. */
  async refresh(): Promise<void> {
    this.checked = Date.now();
    const version = await this.store.typeVersion('SearchParameter');
    if (version === this.version) return;
    const defs = new Map<string, SearchParamDef>();
    for (const json of await this.store.all('SearchParameter', MAX_CUSTOM)) {
      const def = this.usable(JSON.parse(json) as unknown);
      if (def !== undefined) defs.set(def.url, def);
    }
    this.version = version;
    this.custom = defs;
    this.current = officialRegistry().withCustom([...defs.values()]);
  }

  /**
   * A SearchParameter about to be written: checked (its expression must compile
   * for every base type, else 400) and in force in this process right away.
   */
  written(resource: Record<string, unknown>): void {
    const def = toSearchParamDef(resource);
    if (def === undefined || this.officialUrls.has(def.url) || resource['status'] === 'retired') return;
    for (const type of def.base) {
      try {
        resolveParam(def, type, (u) => this.current.definition(u) ?? this.custom.get(u));
      } catch (err) {
        throw invalid(`SearchParameter ${def.code}: the expression cannot be used for ${type}: ${err instanceof Error ? err.message : String(err)}`, ['SearchParameter.expression']);
      }
    }
    this.custom.set(def.url, def);
    this.current = officialRegistry().withCustom([...this.custom.values()]);
  }

  private usable(resource: unknown): SearchParamDef | undefined {
    const def = toSearchParamDef(resource);
    if (def === undefined || this.officialUrls.has(def.url)) return undefined;
    if (typeof resource === 'object' && resource !== null && (resource as Record<string, unknown>)['status'] === 'retired') return undefined;
    return def;
  }
}

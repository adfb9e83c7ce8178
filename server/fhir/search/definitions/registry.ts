import { RESOURCE_TYPES } from '../../model/resource-types.js';
import { resolveParam, type ResolvedParam } from './resolve-param.js';
import { officialSearchParameters, type SearchParamDef } from './search-parameter.js';

/** Types that are not DomainResources (no narrative, so no `_text`). */
const NOT_DOMAIN = new Set(['Binary', 'Bundle', 'Parameters']);

/** Whether a definition applies to a resource type (its base, or Resource / DomainResource). */
export function appliesTo(def: SearchParamDef, resourceType: string): boolean {
  if (def.base.includes(resourceType) || def.base.includes('Resource')) return true;
  return def.base.includes('DomainResource') && !NOT_DOMAIN.has(resourceType);
}

/**
 * The search parameters of every resource type: the official R4 set plus
 * custom SearchParameter resources, compiled per type on first use. A custom
 * parameter with the code of an official one on the same type replaces it.
 */
export class SearchParamRegistry {
  private readonly byType = new Map<string, ReadonlyMap<string, ResolvedParam>>();
  private readonly indexedByType = new Map<string, readonly ResolvedParam[]>();
  private readonly byUrl: ReadonlyMap<string, SearchParamDef>;

  constructor(
    private readonly defs: readonly SearchParamDef[],
    /** Definitions added on top of `defs` (custom SearchParameter resources). */
    readonly custom: readonly SearchParamDef[] = [],
  ) {
    this.byUrl = new Map([...defs, ...custom].map((d) => [d.url, d]));
  }

  /** Every parameter of a type, by code. */
  forType(resourceType: string): ReadonlyMap<string, ResolvedParam> {
    let map = this.byType.get(resourceType);
    if (map === undefined) {
      const m = new Map<string, ResolvedParam>();
      for (const def of this.defs) {
        if (appliesTo(def, resourceType)) m.set(def.code, resolveParam(def, resourceType, (u) => this.byUrl.get(u)));
      }
      // Custom parameters were checked when written; one that no longer compiles is left out, not fatal.
      for (const def of this.custom) {
        if (!appliesTo(def, resourceType)) continue;
        try {
          m.set(def.code, resolveParam(def, resourceType, (u) => this.byUrl.get(u)));
        } catch {
          continue;
        }
      }
      map = m;
      this.byType.set(resourceType, map);
    }
    return map;
  }

  /** A definition by canonical URL (composite components). */
  definition(url: string): SearchParamDef | undefined {
    return this.byUrl.get(url);
  }

  get(resourceType: string, code: string): ResolvedParam | undefined {
    return this.forType(resourceType).get(code);
  }

  /** Parameters whose rows are written from the resource at write time (asked once per resource written: kept). */
  indexed(resourceType: string): readonly ResolvedParam[] {
    let list = this.indexedByType.get(resourceType);
    if (list === undefined) {
      list = [...this.forType(resourceType).values()].filter((p) => p.source === 'index');
      this.indexedByType.set(resourceType, list);
    }
    return list;
  }

  /** A registry with `extra` custom definitions instead of the current ones. */
  withCustom(extra: readonly SearchParamDef[]): SearchParamRegistry {
    return extra.length === 0 && this.custom.length === 0 ? this : new SearchParamRegistry(this.defs, extra);
  }
}

let official: SearchParamRegistry | undefined;

/** The registry of the official R4 parameters, shared by the process (immutable, compiled lazily). */
export function officialRegistry(): SearchParamRegistry {
  official ??= new SearchParamRegistry(officialSearchParameters());
  return official;
}

/** Every resource type, for building every type's parameters (tests, capability statement). */
export const ALL_TYPES: readonly string[] = [...RESOURCE_TYPES].sort();

/**
 * What the CapabilityStatement says about search, per resource type
 * (https://hl7.org/fhir/R4/capabilitystatement-definitions.html#CapabilityStatement.rest.resource.searchParam):
 * every parameter answered from an index, and the `_include` / `_revinclude`
 * values it supports. Built from the definitions, without compiling them.
 */
import type { CapabilityStatementRestResourceSearchParam } from 'fhir/r4.js';
import { officialSearchParameters, type SearchParamDef } from './definitions/search-parameter.js';
import { appliesTo } from './definitions/registry.js';

export interface TypeSearchCapabilities {
  readonly searchParam: CapabilityStatementRestResourceSearchParam[];
  readonly searchInclude: string[];
  readonly searchRevInclude: string[];
}

/** Parameters the server answers on every type (and `_query`, which it does not, is left out). */
const COMMON_CODES = new Set(['_id', '_lastUpdated', '_tag', '_profile', '_security', '_source', '_text', '_content']);

function entry(def: SearchParamDef): CapabilityStatementRestResourceSearchParam {
  return { name: def.code, definition: def.url, type: def.type };
}

let revIncludes: Map<string, string[]> | undefined;

function revIncludeIndex(defs: readonly SearchParamDef[], types: readonly string[]): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const def of defs) {
    if (def.type !== 'reference') continue;
    for (const source of def.base) {
      for (const target of def.target.length > 0 ? def.target : types) {
        const list = map.get(target) ?? [];
        list.push(`${source}:${def.code}`);
        map.set(target, list);
      }
    }
  }
  for (const list of map.values()) list.sort();
  return map;
}

export function typeSearchCapabilities(type: string, allTypes: readonly string[]): TypeSearchCapabilities {
  const defs = officialSearchParameters();
  revIncludes ??= revIncludeIndex(defs, allTypes);
  const own = defs.filter((d) => appliesTo(d, type) && d.code !== '_query');
  const searchParam = own.filter((d) => !d.base.includes('Resource') && !d.base.includes('DomainResource')).map(entry);
  searchParam.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const includes = own.filter((d) => d.type === 'reference').map((d) => `${type}:${d.code}`).sort();
  return { searchParam, searchInclude: ['*', ...includes], searchRevInclude: revIncludes.get(type) ?? [] };
}

/** rest.searchParam: the parameters common to all types. */
export function commonSearchParams(): CapabilityStatementRestResourceSearchParam[] {
  return officialSearchParameters()
    .filter((d) => COMMON_CODES.has(d.code))
    .map((d) => ({ ...entry(d), ...(COMMON_DOCUMENTATION[d.code] === undefined ? {} : { documentation: COMMON_DOCUMENTATION[d.code] }) }))
    .sort((a, b) => (a.name < b.name ? -1 : 1));
}

/** What a client should know about how this server answers a common parameter. */
const COMMON_DOCUMENTATION: Readonly<Record<string, string>> = {
  _content:
    'Every string of the resource, PostgreSQL text search (simple configuration). Indexed in the background shortly after each write unless SEARCH_CONTENT_DEFERRED=false: a resource just written can be missing from the results for a moment.',
};

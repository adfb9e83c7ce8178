/**
 * The terminology token modifiers need, answered from ValueSet and CodeSystem
 * resources this server holds (found with the search engine itself):
 * `:in` / `:not-in` expand a ValueSet's explicit concepts, whole CodeSystems it
 * includes, and any stored expansion; `:below` / `:above` walk a CodeSystem's
 * concept hierarchy (https://hl7.org/fhir/R4/search.html#token).
 */
import type { SearchStore } from '../../store/search/search-store.js';
import type { TokenMatch } from '../../store/search/token.js';
import { withResourceType } from '../../store/resource-store.js';
import { arrayProp, isJsonObject, stringProp, type JsonObject } from '../model/json-object.js';
import type { SearchParamRegistry } from './definitions/registry.js';
import type { Terminology } from './query/context.js';

interface Concept {
  readonly code: string;
  readonly children: readonly Concept[];
}

function concepts(list: readonly unknown[]): Concept[] {
  return list.filter(isJsonObject).flatMap((c) => {
    const code = stringProp(c, 'code');
    return code === undefined ? [] : [{ code, children: concepts(arrayProp(c, 'concept')) }];
  });
}

function flatten(list: readonly Concept[]): string[] {
  return list.flatMap((c) => [c.code, ...flatten(c.children)]);
}

/** The path from a root to `code`, or undefined. */
function pathTo(list: readonly Concept[], code: string): Concept[] | undefined {
  for (const c of list) {
    if (c.code === code) return [c];
    const sub = pathTo(c.children, code);
    if (sub !== undefined) return [c, ...sub];
  }
  return undefined;
}

export class StoreTerminology implements Terminology {
  constructor(
    private readonly store: SearchStore,
    private readonly registry: () => SearchParamRegistry,
  ) {}

  private async byUrl(type: 'ValueSet' | 'CodeSystem', canonical: string): Promise<JsonObject | undefined> {
    const url = canonical.split('|')[0] ?? canonical;
    const p = this.registry().get(type, 'url');
    if (p === undefined) return undefined;
    const rows = await this.store.search({
      types: [type],
      conditions: [{ kind: 'index', keys: [p.key], match: { table: 'uri', values: [{ value: url, mode: 'exact' }] } }],
      sort: [],
      limit: 1,
      now: Date.now(),
    });
    const row = rows[0];
    if (row === undefined) return undefined;
    const json: unknown = JSON.parse(withResourceType(type, row.content));
    return isJsonObject(json) ? json : undefined;
  }

  async valueSetCodes(url: string): Promise<TokenMatch[] | undefined> {
    const vs = await this.byUrl('ValueSet', url);
    if (vs === undefined) return undefined;
    const out: TokenMatch[] = [];
    const expansion = vs['expansion'];
    const walk = (list: readonly unknown[]): void => {
      for (const c of list.filter(isJsonObject)) {
        const code = stringProp(c, 'code');
        if (code !== undefined) out.push({ system: stringProp(c, 'system') ?? null, code });
        walk(arrayProp(c, 'contains'));
      }
    };
    if (isJsonObject(expansion)) walk(arrayProp(expansion, 'contains'));
    const compose = vs['compose'];
    for (const inc of isJsonObject(compose) ? arrayProp(compose, 'include').filter(isJsonObject) : []) {
      const system = stringProp(inc, 'system');
      if (system === undefined) continue;
      const listed = arrayProp(inc, 'concept');
      if (listed.length > 0) {
        for (const c of concepts(listed)) out.push({ system, code: c.code });
      } else {
        const cs = await this.byUrl('CodeSystem', system);
        for (const code of flatten(concepts(cs === undefined ? [] : arrayProp(cs, 'concept')))) out.push({ system, code });
      }
    }
    return out;
  }

  async subsumption(system: string, code: string, direction: 'below' | 'above'): Promise<string[] | undefined> {
    const cs = await this.byUrl('CodeSystem', system);
    if (cs === undefined) return undefined;
    const path = pathTo(concepts(arrayProp(cs, 'concept')), code);
    if (path === undefined) return undefined;
    if (direction === 'above') return path.map((c) => c.code);
    const self = path[path.length - 1];
    return self === undefined ? undefined : flatten([self]);
  }
}

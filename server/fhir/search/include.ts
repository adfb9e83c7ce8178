/**
 * `_include` / `_revinclude` with `:iterate` (https://hl7.org/fhir/R4/search.html#include):
 * resources referenced by (or referring to) the page's matches, each once and
 * never one that is already a match; iterating specs run again on what the
 * previous round added, until nothing new comes or the limit is reached.
 */
import type { SearchRow, SearchStore } from '../../store/search/search-store.js';
import type { SearchParamRegistry } from './definitions/registry.js';
import type { ResolvedParam } from './definitions/resolve-param.js';
import type { IncludeSpec } from './query/include-parse.js';

/** How many rounds `:iterate` may take (a guard against reference cycles). */
const MAX_ROUNDS = 5;

function referenceParams(registry: SearchParamRegistry, type: string, code: string): ResolvedParam[] {
  if (code !== '*') {
    const p = registry.get(type, code);
    return p?.type === 'reference' ? [p] : [];
  }
  return [...registry.forType(type).values()].filter((p) => p.type === 'reference' && p.source === 'index');
}

/** The target types a spec allows: its explicit one, else each parameter's `resolve() is T` filter. */
function targetTypes(spec: IncludeSpec, params: readonly ResolvedParam[]): readonly string[] | undefined {
  if (spec.targetType !== undefined) return [spec.targetType];
  const filters = params.map((p) => p.targetFilter);
  return filters.every((f): f is string => f !== undefined) && filters.length > 0 ? [...new Set(filters)] : undefined;
}

interface Round {
  readonly sources: readonly SearchRow[];
  readonly first: boolean;
}

async function includeRound(store: SearchStore, registry: SearchParamRegistry, spec: IncludeSpec, sources: readonly SearchRow[], limit: number): Promise<SearchRow[]> {
  const out: SearchRow[] = [];
  const byType = new Map<string, number[]>();
  for (const s of sources) {
    if (spec.sourceType !== undefined && s.resourceType !== spec.sourceType) continue;
    byType.set(s.resourceType, [...(byType.get(s.resourceType) ?? []), s.sid]);
  }
  for (const [type, sids] of byType) {
    const params = referenceParams(registry, type, spec.code);
    if (params.length === 0) continue;
    out.push(...(await store.include(sids, [...new Set(params.map((p) => p.key))], targetTypes(spec, params), limit)));
  }
  return out;
}

async function revincludeRound(store: SearchStore, registry: SearchParamRegistry, spec: IncludeSpec, sources: readonly SearchRow[], limit: number): Promise<SearchRow[]> {
  if (spec.sourceType === undefined) return [];
  const params = referenceParams(registry, spec.sourceType, spec.code);
  if (params.length === 0) return [];
  const allowed = targetTypes(spec, params);
  const targets = sources
    .filter((s) => allowed === undefined || allowed.includes(s.resourceType))
    .map((s) => ({ type: s.resourceType, id: s.id }));
  return store.revinclude(targets, [...new Set(params.map((p) => p.key))], [spec.sourceType], limit);
}

export async function resolveIncludes(
  store: SearchStore,
  registry: SearchParamRegistry,
  matches: readonly SearchRow[],
  include: readonly IncludeSpec[],
  revinclude: readonly IncludeSpec[],
  limit: number,
): Promise<{ rows: SearchRow[]; truncated: boolean }> {
  const seen = new Set(matches.map((m) => m.sid));
  const out: SearchRow[] = [];
  let round: Round = { sources: matches, first: true };
  for (let n = 0; n < MAX_ROUNDS && round.sources.length > 0; n += 1) {
    const added: SearchRow[] = [];
    const take = (rows: readonly SearchRow[]): void => {
      for (const r of rows) {
        if (seen.has(r.sid) || out.length >= limit) continue;
        seen.add(r.sid);
        out.push(r);
        added.push(r);
      }
    };
    for (const spec of include) if (round.first || spec.iterate) take(await includeRound(store, registry, spec, round.sources, limit));
    for (const spec of revinclude) if (round.first || spec.iterate) take(await revincludeRound(store, registry, spec, round.sources, limit));
    if (out.length >= limit) return { rows: out, truncated: true };
    round = { sources: added, first: false };
  }
  return { rows: out, truncated: false };
}

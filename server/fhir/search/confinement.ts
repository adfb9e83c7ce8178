/**
 * Confinement of search results to what the caller may see (issue #6), turned
 * into a search condition so that it is applied in SQL: pages are full, paging
 * is stable and counts are of visible resources only. The auth guard still
 * screens every resource of the response (includes too); this makes that
 * screening a safety net instead of a filter that empties pages.
 */
import type { Condition } from '../../store/search/condition.js';
import { compartmentCondition } from './compartment.js';
import type { SearchContext } from './query/context.js';
import { parseSearch } from './query/parse.js';

/**
 * How results of one type must be narrowed (the auth guard's SearchConstraint):
 * `some` holds when any alternative does; an alternative is membership of the
 * patient's compartment (when it names one) AND every `name=value` restriction
 * (SMART v2 scopes such as `patient/Observation.rs?category=laboratory`).
 */
export type TypeConfinement =
  | { readonly kind: 'all' }
  | { readonly kind: 'none' }
  | {
      readonly kind: 'some';
      readonly alternatives: readonly {
        readonly patient?: string;
        readonly restrictions: readonly { readonly name: string; readonly value: string }[];
      }[];
    };

export type SearchConfinement = (resourceType: string) => TypeConfinement;

const NOTHING: Condition = { kind: 'none' };

/** The condition confining a search of `type`; undefined when the caller may see all of it. */
export async function confinementCondition(confine: SearchConfinement, type: string, ctx: SearchContext): Promise<Condition | undefined> {
  const c = confine(type);
  if (c.kind === 'all') return undefined;
  if (c.kind === 'none') return NOTHING;
  const admitted: Condition[] = [];
  for (const alt of c.alternatives) {
    const all: Condition[] = [];
    if (alt.patient !== undefined) {
      // Not in the Patient compartment at all: this alternative admits nothing of the type.
      const member = compartmentCondition(ctx.registry, 'Patient', alt.patient, type);
      if (member === undefined) continue;
      all.push(member);
    }
    if (alt.restrictions.length > 0) {
      try {
        const parsed = await parseSearch(alt.restrictions.map((r) => [r.name, r.value] as const), [type], ctx, { strict: true, defaultCount: 1, maxCount: 1 });
        all.push(...parsed.conditions);
      } catch {
        // A restriction this server cannot evaluate admits nothing (fail closed).
        continue;
      }
    }
    admitted.push(all.length === 1 && all[0] !== undefined ? all[0] : { kind: 'and', all });
  }
  return admitted.length === 0 ? NOTHING : { kind: 'or', alternatives: admitted };
}

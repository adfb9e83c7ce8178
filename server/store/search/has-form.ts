/**
 * Which `_has` conditions are answered inner set first (issue #3).
 *
 * The correlated form (`EXISTS` per candidate resource, condition-sql.ts) costs
 * one probe per reference to each candidate: cheap when the referring
 * resources are common (a match is found at once) or the candidates few, but
 * PostgreSQL estimates both sides badly (1 patient passing `birthdate=ge…`
 * where 1,000+ do, 3 references per patient where 255 are) and may then walk
 * every candidate's references: 378,610 probes, 0.5 – 0.8 s on the 1M bench.
 * The inner-set-first form computes the referring resources once, so it costs
 * about one probe per inner index row, whatever the candidates: it is taken
 * when an inner criterion is known to match at most `maxRows` rows. That
 * bound comes from counting the rows (bounded, see IndexRowCounter), not from
 * the planner, whose estimate for a LOINC code was 10× too low.
 */
import type { Condition } from './condition.js';

export type IndexCondition = Condition & { kind: 'index' };
export type HasCondition = Condition & { kind: 'has' };

/** Counts the rows of an index condition, stopping once more than `atMost` are seen. */
export type RowCounter = (c: IndexCondition, atMost: number) => Promise<number>;

/**
 * Whether the rows of `c` can be counted through its value index without
 * scanning the parameter's rows (a `:contains` or date range could read all of
 * them to find a few), so that a bounded count costs at most its bound.
 */
export function countable(c: IndexCondition): boolean {
  switch (c.match.table) {
    case 'token':
      return c.match.values.every((v) => v.code !== undefined);
    case 'reference':
      return true;
    case 'uri':
      return c.match.values.every((v) => v.mode === 'exact');
    case 'string':
      return c.match.values.every((v) => v.mode !== 'contains');
    case 'date':
    case 'number':
    case 'quantity':
    case 'composite':
    case 'near':
      return false;
  }
}

/** Every `_has` in the tree: top level, inside or / and / not, chains and other `_has`. */
export function hasConditions(conditions: readonly Condition[]): HasCondition[] {
  return conditions.flatMap((c): HasCondition[] => {
    switch (c.kind) {
      case 'has':
        return [c, ...hasConditions(c.inner)];
      case 'chain':
        return hasConditions(c.inner);
      case 'not':
        return hasConditions([c.inner]);
      case 'or':
        return hasConditions(c.alternatives);
      case 'and':
        return hasConditions(c.all);
      case 'index':
      case 'missing':
      case 'id':
      case 'lastUpdated':
      case 'text':
      case 'list':
      case 'none':
        return [];
    }
  });
}

/**
 * Whether one `_has` has an inner criterion (they are AND-ed, so a single one
 * bounds the inner set) matching at most `maxRows` rows. Criteria without a
 * cheap count leave the correlated form, as before this choice existed.
 */
async function smallInnerSet(c: HasCondition, count: RowCounter, maxRows: number): Promise<boolean> {
  for (const inner of c.inner) {
    if (inner.kind !== 'index') continue;
    if (inner.keys.length === 0) return true;
    if (countable(inner) && (await count(inner, maxRows)) <= maxRows) return true;
  }
  return false;
}

/** The `_has` conditions of the tree to render inner set first; none when `maxRows` is 0. */
export async function innerFirstHas(conditions: readonly Condition[], count: RowCounter, maxRows: number): Promise<ReadonlySet<Condition>> {
  const chosen = new Set<Condition>();
  if (maxRows <= 0) return chosen;
  for (const c of hasConditions(conditions)) {
    if (await smallInnerSet(c, count, maxRows)) chosen.add(c);
  }
  return chosen;
}

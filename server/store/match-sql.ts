import type { Statement } from './history-sql.js';
import type { IdentifierCriterion, MatchCriteria } from './types.js';

/**
 * `identifier` token match through the GIN index on `content->'identifier'`:
 * containment narrows by the parts given; `|value` (no system) additionally
 * requires that the matching identifier has no system.
 */
function identifierClause(c: IdentifierCriterion, bind: (v: unknown) => string): string {
  const probe: Record<string, string> = {};
  if (typeof c.system === 'string') probe['system'] = c.system;
  if (c.value !== undefined) probe['value'] = c.value;
  const contains = `content -> 'identifier' @> ${bind(JSON.stringify([probe]))}::jsonb`;
  if (c.system !== null) return contains;
  return `(${contains} AND EXISTS (SELECT 1 FROM jsonb_array_elements(content -> 'identifier') i
            WHERE i ->> 'value' = ${bind(c.value ?? '')} AND NOT i ? 'system'))`;
}

/** Ids of current, non-deleted resources matching every criterion (AND; values within one are OR). */
export function matchStatement(resourceType: string, criteria: MatchCriteria, limit: number): Statement {
  const values: unknown[] = [];
  const bind = (v: unknown): string => {
    values.push(v);
    return `$${values.length}`;
  };
  const where = [`resource_type = ${bind(resourceType)}`, 'NOT deleted'];
  if (criteria.ids !== undefined) where.push(`id = ANY(${bind(criteria.ids)}::text[])`);
  if (criteria.identifiers !== undefined && criteria.identifiers.length > 0) {
    where.push(`(${criteria.identifiers.map((c) => identifierClause(c, bind)).join(' OR ')})`);
  }
  return { text: `SELECT id FROM resource WHERE ${where.join(' AND ')} LIMIT ${bind(limit)}`, values };
}

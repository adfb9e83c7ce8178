/**
 * `_include` and `_revinclude` (https://hl7.org/fhir/R4/search.html#include):
 * the resources that page resources refer to, or that refer to them, through
 * reference rows of the given parameter keys. Each resource once.
 */
import type { Statement } from '../history-sql.js';
import { eqAny, SqlParams } from './sql-params.js';

const COLUMNS = 't.sid, t.resource_type, t.id, t.version_id, t.last_updated, t.content::text AS json';

/** Targets of `sids`' references under `keys` (optionally only of `targetTypes`). */
export function includeStatement(
  sids: readonly number[],
  keys: readonly number[],
  targetTypes: readonly string[] | undefined,
  limit: number,
): Statement {
  const p = new SqlParams();
  const typeCond = targetTypes === undefined ? '' : ` AND ${eqAny('x.target_type', targetTypes, p, 'text')}`;
  const text = `SELECT DISTINCT ON (t.sid) ${COLUMNS}
    FROM sp_reference x JOIN resource t ON t.resource_type = x.target_type AND t.id = x.target_id AND NOT t.deleted
   WHERE x.res = ANY(${p.bind(sids)}::int8[]) AND ${eqAny('x.param', keys, p, 'int4')}${typeCond}
   ORDER BY t.sid LIMIT ${p.bind(limit)}`;
  return { text, values: p.values };
}

/** Resources of `sourceTypes` whose references under `keys` point at one of `targets`. */
export function revincludeStatement(
  targets: readonly { readonly type: string; readonly id: string }[],
  keys: readonly number[],
  sourceTypes: readonly string[],
  limit: number,
): Statement {
  const p = new SqlParams();
  const types = p.bind(targets.map((t) => t.type));
  const ids = p.bind(targets.map((t) => t.id));
  const text = `SELECT DISTINCT ON (t.sid) ${COLUMNS}
    FROM unnest(${types}::text[], ${ids}::text[]) AS g(type, id)
    JOIN sp_reference x ON x.target_id = g.id AND x.target_type = g.type
    JOIN resource t ON ${eqAny('t.resource_type', sourceTypes, p, 'text')} AND t.sid = x.res AND NOT t.deleted
   WHERE ${eqAny('x.param', keys, p, 'int4')}
   ORDER BY t.sid LIMIT ${p.bind(limit)}`;
  return { text, values: p.values };
}

/**
 * The search statement: current, non-deleted resources of the searched types
 * meeting every condition, in `_sort` order with the resource's `sid` as the
 * final tie-breaker, paged by a keyset cursor (never OFFSET) so that pages stay
 * right while writes happen between them (https://hl7.org/fhir/R4/http.html#paging).
 */
import type { Condition, IndexTable } from './condition.js';
import { conditionsSql, indexRows, TABLES, type SqlContext } from './condition-sql.js';
import { eqAny, SqlParams } from './sql-params.js';
import type { Statement } from '../history-sql.js';

/** One `_sort` key: a resource column, or a parameter's index rows (min ascending, max descending). */
export type SortSpec =
  | { readonly kind: 'column'; readonly column: 'id' | 'last_updated'; readonly desc: boolean }
  | {
      readonly kind: 'index';
      readonly table: IndexTable;
      readonly keys: readonly number[];
      readonly desc: boolean;
      readonly targetTypes?: readonly string[];
    };

export type SortValue = string | number | boolean | null;

/** Where a page starts: strictly after (`next`) or before (`previous`) the row with these sort values. */
export interface Keyset {
  readonly direction: 'after' | 'before';
  /** One value per sort key, then the sid. */
  readonly values: readonly SortValue[];
}

export interface SearchSpec {
  readonly types: readonly string[];
  readonly conditions: readonly Condition[];
  readonly sort: readonly SortSpec[];
  readonly keyset?: Keyset;
  readonly limit: number;
  /** Reference time for `ap` on dates (epoch ms). */
  readonly now: number;
}

/** Sort value of one parameter's rows, per table: the lower end ascending, the upper end descending. */
const SORT_COLUMN: Readonly<Record<IndexTable, { asc: string; desc: string; cast: string }>> = {
  token: { asc: 'min(x.code)', desc: 'max(x.code)', cast: 'text' },
  string: { asc: 'min(x.norm)', desc: 'max(x.norm)', cast: 'text' },
  date: { asc: 'min(x.lo)', desc: 'max(x.hi)', cast: 'timestamptz' },
  number: { asc: 'min(x.lo)', desc: 'max(x.hi)', cast: 'float8' },
  quantity: { asc: 'min(x.lo)', desc: 'max(x.hi)', cast: 'float8' },
  reference: { asc: 'min(x.target_id)', desc: 'max(x.target_id)', cast: 'text' },
  uri: { asc: 'min(x.value)', desc: 'max(x.value)', cast: 'text' },
  composite: { asc: 'min(x.c1)', desc: 'max(x.c1)', cast: 'text' },
};

/** One ordered component: an SQL expression, its direction and the cast its cursor value needs. */
interface OrderPart {
  readonly expr: string;
  readonly desc: boolean;
  readonly cast: string;
}

function orderParts(sort: readonly SortSpec[]): { parts: OrderPart[]; selects: string[] } {
  const parts: OrderPart[] = [];
  const selects: string[] = [];
  sort.forEach((s, i) => {
    if (s.kind === 'column') {
      parts.push({ expr: `r.${s.column}`, desc: s.desc, cast: s.column === 'id' ? 'text' : 'timestamptz' });
      selects.push(`r.${s.column} AS k${i}`);
      return;
    }
    const col = SORT_COLUMN[s.table];
    // Resources without a value sort last in either direction; the flag comes first.
    parts.push({ expr: `(k${i}.v IS NULL)`, desc: false, cast: 'boolean' });
    parts.push({ expr: `k${i}.v`, desc: s.desc, cast: col.cast });
    selects.push(`k${i}.v AS k${i}`);
  });
  parts.push({ expr: 'r.sid', desc: false, cast: 'int8' });
  return { parts, selects };
}

function sortJoin(s: SortSpec & { kind: 'index' }, i: number, p: SqlParams): string {
  const col = SORT_COLUMN[s.table];
  const target = s.targetTypes === undefined ? '' : ` AND ${eqAny('x.target_type', s.targetTypes, p, 'text')}`;
  return `LEFT JOIN LATERAL (SELECT ${s.desc ? col.desc : col.asc} AS v FROM ${TABLES[s.table]} x
      WHERE x.res = r.sid AND ${eqAny('x.param', s.keys, p, 'int4')}${target}) k${i} ON true`;
}

/**
 * `(a, b, c) > (x, y, z)` with per-part directions, as a lexicographic OR
 * chain. A null cursor value (only after its IS NULL flag) counts as equal.
 */
function keysetSql(parts: readonly OrderPart[], ks: Keyset, p: SqlParams): string {
  const ors: string[] = [];
  const eq: string[] = [];
  parts.forEach((part, i) => {
    const v = ks.values[i];
    if (v === null || v === undefined) return;
    const after = ks.direction === 'after' ? !part.desc : part.desc;
    const bound = `${p.bind(v)}::${part.cast}`;
    ors.push([...eq, `${part.expr} ${after ? '>' : '<'} ${bound}`].join(' AND '));
    eq.push(`${part.expr} = ${bound}`);
  });
  return ors.length === 0 ? 'true' : `(${ors.map((o) => `(${o})`).join(' OR ')})`;
}

export function baseWhere(spec: { types: readonly string[]; conditions: readonly Condition[]; now: number }, ctx: SqlContext): string[] {
  return [eqAny('r.resource_type', spec.types, ctx.p, 'text'), 'NOT r.deleted', ...conditionsSql(spec.conditions, 'r', ctx)];
}

/**
 * A search with one index condition in the default order: its rows, read from
 * the value index in resource order from the cursor on, drive the join to the
 * resources, so the page costs about its own size. (With several conditions
 * PostgreSQL picks the driving one itself, from the EXISTS form below.)
 */
function drivenStatement(spec: SearchSpec, only: Condition & { kind: 'index' }): Statement {
  const p = new SqlParams();
  const rows = indexRows(only, { p, now: spec.now });
  const x = rows.alias;
  const backwards = spec.keyset?.direction === 'before';
  const cursor = spec.keyset?.values[0];
  const bound = typeof cursor === 'number' ? ` AND ${x}.res ${backwards ? '<' : '>'} ${p.bind(cursor)}::int8` : '';
  const dir = backwards ? 'DESC' : 'ASC';
  const text = `SELECT r.sid, r.resource_type, r.id, r.version_id, r.last_updated, r.content::text AS json
    FROM (SELECT DISTINCT ${x}.res FROM ${rows.from} WHERE ${rows.where}${bound} ORDER BY ${x}.res ${dir}) d
    JOIN resource r ON ${eqAny('r.resource_type', spec.types, p, 'text')} AND r.sid = d.res AND NOT r.deleted
   ORDER BY d.res ${dir}
   LIMIT ${p.bind(spec.limit)}`;
  return { text, values: p.values };
}

/** No `_has` rendered inner set first: the form for callers that do not choose (has-form.ts). */
const CORRELATED: ReadonlySet<Condition> = new Set();

/** The page query; returns rows with sort values `k0…` for the cursor. `innerFirst`: see has-form.ts. */
export function searchStatement(spec: SearchSpec, innerFirst: ReadonlySet<Condition> = CORRELATED): Statement {
  const only = spec.conditions.length === 1 ? spec.conditions[0] : undefined;
  if (only?.kind === 'index' && only.keys.length > 0 && spec.sort.length === 0) return drivenStatement(spec, only);
  const p = new SqlParams();
  const ks = spec.keyset;
  const cursorSid = spec.sort.length === 0 ? ks?.values[0] : undefined;
  const ctx: SqlContext =
    ks !== undefined && typeof cursorSid === 'number'
      ? { p, now: spec.now, innerFirst, sidBound: { op: ks.direction === 'after' ? '>' : '<', sid: cursorSid } }
      : { p, now: spec.now, innerFirst };
  const { parts, selects } = orderParts(spec.sort);
  const joins = spec.sort.map((s, i) => (s.kind === 'index' ? sortJoin(s, i, p) : '')).filter((j) => j !== '');
  const where = baseWhere(spec, ctx);
  if (spec.keyset !== undefined) where.push(keysetSql(parts, spec.keyset, p));
  const backwards = spec.keyset?.direction === 'before';
  const order = parts.map((o) => `${o.expr} ${o.desc !== backwards ? 'DESC' : 'ASC'}`).join(', ');
  const text = `SELECT r.sid, r.resource_type, r.id, r.version_id, r.last_updated, r.content::text AS json${selects.map((s) => `, ${s}`).join('')}
    FROM resource r ${joins.join(' ')}
   WHERE ${where.join('\n     AND ')}
   ORDER BY ${order}
   LIMIT ${p.bind(spec.limit)}`;
  return { text, values: p.values };
}

/**
 * The number of matches (`_total=accurate`, `_summary=count`). A search with a
 * single index condition is counted on its index table alone: its rows exist
 * for current resources only and their key implies the type.
 */
export function countStatement(spec: Omit<SearchSpec, 'sort' | 'limit'>, innerFirst: ReadonlySet<Condition> = CORRELATED): Statement {
  const p = new SqlParams();
  const only = spec.conditions.length === 1 ? spec.conditions[0] : undefined;
  if (only?.kind === 'index' && only.keys.length > 0) {
    const rows = indexRows(only, { p, now: spec.now });
    return { text: `SELECT count(*) AS n FROM (SELECT DISTINCT ${rows.alias}.res FROM ${rows.from} WHERE ${rows.where}) d`, values: p.values };
  }
  const where = baseWhere(spec, { p, now: spec.now, innerFirst });
  return { text: `SELECT count(*) AS n FROM resource r WHERE ${where.join(' AND ')}`, values: p.values };
}

/** Ids of matches, for conditional interactions. */
export function matchStatement(types: readonly string[], conditions: readonly Condition[], limit: number, now: number): Statement {
  const p = new SqlParams();
  const where = baseWhere({ types, conditions, now }, { p, now });
  return { text: `SELECT r.id FROM resource r WHERE ${where.join(' AND ')} LIMIT ${p.bind(limit)}`, values: p.values };
}

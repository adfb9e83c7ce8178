/**
 * Conditions → SQL on one resource row (alias `r`). Every index condition is an
 * EXISTS on its table joined by `res = r.sid`, so PostgreSQL may either drive
 * the search from the index table's value index or probe (res, param) for rows
 * found otherwise. Table and column names come from the closed maps below.
 */
import { compositeWhere } from './composite.js';
import type { Condition, IndexMatch, IndexTable, NearMatch } from './condition.js';
import { dateWhere, effectiveRange, pointCondition } from './date.js';
import { numberWhere } from './number.js';
import { quantityWhere } from './quantity.js';
import { referenceWhere } from './reference.js';
import { anyOf, eqAny, type SqlParams } from './sql-params.js';
import { stringWhere } from './string.js';
import { textWhere } from './text.js';
import { tokenWhere } from './token.js';
import { uriWhere } from './uri.js';

export const TABLES: Readonly<Record<IndexTable, string>> = {
  token: 'sp_token',
  string: 'sp_string',
  date: 'sp_date',
  number: 'sp_number',
  quantity: 'sp_quantity',
  reference: 'sp_reference',
  uri: 'sp_uri',
  composite: 'sp_composite',
};

/** Evaluation context: `now` for `ap` on dates. */
export interface SqlContext {
  readonly p: SqlParams;
  readonly now: number;
  /**
   * A bound on the resource sid already implied by the page's keyset (default
   * sort), repeated inside top-level index conditions so that their value
   * index starts at the cursor (PostgreSQL does not carry inequalities across
   * the join itself). Bound where used: a statement whose conditions have no
   * such place must not carry an unused parameter (PostgreSQL cannot type it).
   */
  readonly sidBound?: { readonly op: '>' | '<'; readonly sid: number };
  /** The `_has` conditions to render inner set first (has-form.ts); the others are correlated. */
  readonly innerFirst?: ReadonlySet<Condition>;
}

/** The context of a sub-query's own conditions: no sid bound (it is the outer row's). */
function nested(ctx: SqlContext): SqlContext {
  return ctx.innerFirst === undefined ? { p: ctx.p, now: ctx.now } : { p: ctx.p, now: ctx.now, innerFirst: ctx.innerFirst };
}

/** Whether a condition reads more of the resource row than its sid. */
function needsRow(c: Condition): boolean {
  switch (c.kind) {
    case 'id':
    case 'lastUpdated':
    case 'has':
    case 'list':
      return true;
    case 'not':
      return needsRow(c.inner);
    case 'or':
      return c.alternatives.some(needsRow);
    case 'and':
      return c.all.some(needsRow);
    case 'index':
    case 'missing':
    case 'text':
    case 'chain':
    case 'none':
      return false;
  }
}

const KM_PER_DEGREE = 111.195;

function nearWhere(x: string, values: readonly NearMatch[], p: SqlParams): string {
  return anyOf(
    values.map((v) => {
      const dLat = v.km / KM_PER_DEGREE;
      const dLong = dLat / Math.max(Math.cos((v.lat * Math.PI) / 180), 0.01);
      const lat = p.bind(v.lat);
      const long = p.bind(v.long);
      // Bounding box first (index-friendly), then the great-circle distance.
      return `(${x}.lo2 BETWEEN ${p.bind(v.lat - dLat)} AND ${p.bind(v.lat + dLat)}
        AND ${x}.lo3 BETWEEN ${p.bind(v.long - dLong)} AND ${p.bind(v.long + dLong)}
        AND 2 * 6371.0 * asin(sqrt(power(sin(radians(${x}.lo2 - ${lat}::float8) / 2), 2)
          + cos(radians(${lat}::float8)) * cos(radians(${x}.lo2)) * power(sin(radians(${x}.lo3 - ${long}::float8) / 2), 2))) <= ${p.bind(v.km)})`;
    }),
  );
}

function matchWhere(x: string, m: IndexMatch, ctx: SqlContext): string {
  switch (m.table) {
    case 'token':
      return tokenWhere(x, m.values, ctx.p);
    case 'string':
      return stringWhere(x, m.values, ctx.p);
    case 'date':
      return dateWhere(x, m.values, ctx.p, ctx.now);
    case 'number':
      return numberWhere(x, m.values, ctx.p);
    case 'quantity':
      return quantityWhere(x, m.values, ctx.p);
    case 'reference':
      return referenceWhere(x, m.values, ctx.p);
    case 'uri':
      return uriWhere(x, m.values, ctx.p);
    case 'composite':
      return anyOf(m.values.map((v) => compositeWhere(x, v, ctx.p)));
    case 'near':
      return nearWhere(x, m.values, ctx.p);
  }
}

/** `x.param = $k` (or `= ANY`) plus the target-type restriction of reference parameters. */
function keyed(x: string, keys: readonly number[], targetTypes: readonly string[] | undefined, p: SqlParams): string {
  const parts = [eqAny(`${x}.param`, keys, p, 'int4')];
  if (targetTypes !== undefined) parts.push(eqAny(`${x}.target_type`, targetTypes, p, 'text'));
  return parts.join(' AND ');
}

/** The rows of an index condition: `FROM` item, its alias, and their WHERE (without the join to the resource). */
export function indexRows(c: Condition & { kind: 'index' }, ctx: SqlContext): { from: string; alias: string; where: string } {
  const x = ctx.p.alias();
  const table = c.match.table === 'near' ? 'sp_composite' : TABLES[c.match.table];
  return { from: `${table} ${x}`, alias: x, where: `${keyed(x, c.keys, c.targetTypes, ctx.p)} AND ${matchWhere(x, c.match, ctx)}` };
}

/** All conditions, ANDed, on the resource row aliased `r`. */
export function conditionsSql(conditions: readonly Condition[], r: string, ctx: SqlContext): string[] {
  return conditions.map((c) => conditionSql(c, r, ctx));
}

function andAll(parts: readonly string[]): string {
  return parts.length === 0 ? 'true' : parts.join(' AND ');
}

/**
 * `_has`: a referring resource (alias `s`) meeting `inner` refers to `r`.
 * Correlated, it is an EXISTS probing `r`'s references; inner set first, the
 * referring resources' targets are computed once (`OFFSET 0` keeps PostgreSQL
 * from flattening the sub-query back into the correlated plan) and `r` is
 * looked up among them: a semi-join at the top level, a hashed sub-plan under
 * `or` / `not`. Null target types (references by URL) are left out, as the
 * correlated form's equality leaves them out: their target is a URL, never an
 * id, yet a null inside `NOT IN` would turn a miss into "unknown".
 */
function hasSql(c: Condition & { kind: 'has' }, r: string, ctx: SqlContext): string {
  const p = ctx.p;
  const x = p.alias();
  const s = p.alias('s');
  const inner = andAll(conditionsSql(c.inner, s, nested(ctx)));
  const keys = keyed(x, c.keys, c.targetTypes, p);
  // Index rows exist for live resources only, so the referring resource's row
  // is needed only when an inner condition reads more than its sid.
  const from = c.inner.some(needsRow)
    ? `sp_reference ${x} JOIN resource ${s} ON ${eqAny(`${s}.resource_type`, c.sourceTypes, p, 'text')} AND ${s}.sid = ${x}.res AND NOT ${s}.deleted`
    : `sp_reference ${x} CROSS JOIN LATERAL (SELECT ${x}.res AS sid) ${s}`;
  if (ctx.innerFirst?.has(c) === true) {
    return `(${r}.resource_type, ${r}.id) IN (SELECT ${x}.target_type, ${x}.target_id FROM ${from}
      WHERE ${keys} AND ${x}.target_type IS NOT NULL AND ${inner} OFFSET 0)`;
  }
  return `EXISTS (SELECT 1 FROM ${from} WHERE ${keys} AND ${x}.target_type = ${r}.resource_type AND ${x}.target_id = ${r}.id AND ${inner})`;
}

export function conditionSql(c: Condition, r: string, ctx: SqlContext): string {
  const p = ctx.p;
  switch (c.kind) {
    case 'index': {
      if (c.keys.length === 0) return 'false';
      const rows = indexRows(c, ctx);
      const bound = r === 'r' && ctx.sidBound !== undefined ? ` AND ${rows.alias}.res ${ctx.sidBound.op} ${p.bind(ctx.sidBound.sid)}::int8` : '';
      return `EXISTS (SELECT 1 FROM ${rows.from} WHERE ${rows.alias}.res = ${r}.sid${bound} AND ${rows.where})`;
    }
    case 'missing': {
      if (c.keys.length === 0) return c.missing ? 'true' : 'false';
      const x = p.alias();
      const exists = `EXISTS (SELECT 1 FROM ${TABLES[c.table]} ${x} WHERE ${x}.res = ${r}.sid AND ${keyed(x, c.keys, c.targetTypes, p)})`;
      return c.missing ? `NOT ${exists}` : exists;
    }
    case 'id':
      return eqAny(`${r}.id`, c.ids, p, 'text');
    case 'lastUpdated':
      return anyOf(
        c.values.map((v) => {
          const [s, e] = effectiveRange(v, ctx.now);
          return pointCondition(v.prefix, `${r}.last_updated`, () => `${p.bind(new Date(s).toISOString())}::timestamptz`, () => `${p.bind(new Date(e).toISOString())}::timestamptz`);
        }),
      );
    case 'text': {
      const x = p.alias();
      return `EXISTS (SELECT 1 FROM sp_text ${x} WHERE ${x}.res = ${r}.sid AND ${textWhere(x, c.textKind, c.queries, p)})`;
    }
    case 'chain': {
      const x = p.alias();
      const t = p.alias('t');
      const inner = andAll(conditionsSql(c.inner, t, nested(ctx)));
      return `EXISTS (SELECT 1 FROM sp_reference ${x} JOIN resource ${t} ON ${t}.resource_type = ${x}.target_type AND ${t}.id = ${x}.target_id
        WHERE ${x}.res = ${r}.sid AND ${keyed(x, c.keys, c.targetTypes, p)} AND NOT ${t}.deleted AND ${inner})`;
    }
    case 'has':
      return hasSql(c, r, ctx);
    case 'list': {
      const x = p.alias();
      const l = p.alias('l');
      return `EXISTS (SELECT 1 FROM resource ${l} JOIN sp_reference ${x} ON ${x}.res = ${l}.sid
        WHERE ${l}.resource_type = 'List' AND ${eqAny(`${l}.id`, c.listIds, p, 'text')} AND NOT ${l}.deleted
          AND ${x}.param = ${p.bind(c.itemKey)} AND ${x}.target_type = ${r}.resource_type AND ${x}.target_id = ${r}.id)`;
    }
    case 'not':
      return `NOT (${conditionSql(c.inner, r, ctx)})`;
    case 'or':
      return anyOf(c.alternatives.map((a) => conditionSql(a, r, ctx)));
    case 'and':
      return `(${andAll(c.all.map((a) => conditionSql(a, r, ctx)))})`;
    case 'none':
      return 'false';
  }
}

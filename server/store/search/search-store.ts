import type { Queryable } from '../db.js';
import { withResourceType } from '../resource-json.js';
import type { Condition } from './condition.js';
import { innerFirstHas } from './has-form.js';
import { IndexRowCounter } from './index-row-count.js';
import { includeStatement, revincludeStatement } from './include-sql.js';
import { countStatement, matchStatement, searchStatement, type SearchSpec, type SortValue } from './search-sql.js';
import { matchManyStatements, type MatchCriteria } from './match-many-sql.js';

/** One resource found: its row, text and the values of its sort keys (for the next cursor). */
export interface SearchRow {
  readonly sid: number;
  readonly resourceType: string;
  readonly id: string;
  readonly versionId: number;
  readonly lastUpdated: Date;
  /** Stored JSON without resourceType (see withResourceType). */
  readonly content: string;
  /** Keyset values in the statement's order: per sort key (flag and value for parameters), then sid. */
  readonly cursor: readonly SortValue[];
}

interface Row {
  sid: string | number;
  resource_type: string;
  id: string;
  version_id: number;
  last_updated: Date;
  json: string;
  [k: string]: unknown;
}

function sortValue(v: unknown): SortValue {
  if (v instanceof Date) return v.toISOString();
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  return null;
}

function toRow(row: Row, spec?: SearchSpec): SearchRow {
  const cursor: SortValue[] = [];
  spec?.sort.forEach((s, i) => {
    const v = sortValue(row[`k${i}`]);
    if (s.kind === 'index') cursor.push(v === null);
    cursor.push(v);
  });
  const sid = Number(row.sid);
  cursor.push(sid);
  return {
    sid,
    resourceType: row.resource_type,
    id: row.id,
    versionId: row.version_id,
    lastUpdated: row.last_updated,
    content: row.json,
    cursor,
  };
}

/** One current version matchMany found (its content as stored: without resourceType). */
export interface MatchedRow {
  readonly id: string;
  readonly version_id: number;
  readonly last_updated: Date;
  readonly deleted: boolean;
  readonly json: string | null;
}

/** Runs search statements on a pool (searches) or on a transaction's client (conditional matches). */
export class SearchStore {
  private readonly rowCounter: IndexRowCounter;

  /** `hasInnerFirstRows`: SEARCH_HAS_INNER_FIRST_ROWS (has-form.ts); 0 keeps every `_has` correlated. */
  constructor(
    private readonly db: Queryable,
    private readonly hasInnerFirstRows = 0,
  ) {
    this.rowCounter = new IndexRowCounter(db);
  }

  /** This store choosing the form of each `_has` by the size of its inner set, up to `maxRows` rows. */
  withHasInnerFirstRows(maxRows: number): SearchStore {
    return new SearchStore(this.db, maxRows);
  }

  /** The `_has` conditions to render inner set first (has-form.ts). */
  private innerFirst(conditions: readonly Condition[]): Promise<ReadonlySet<Condition>> {
    return innerFirstHas(conditions, this.rowCounter.count, this.hasInnerFirstRows);
  }

  async search(spec: SearchSpec): Promise<SearchRow[]> {
    const st = searchStatement(spec, await this.innerFirst(spec.conditions));
    const r = await this.db.query<Row>(st.text, st.values);
    const rows = r.rows.map((row) => toRow(row, spec));
    return spec.keyset?.direction === 'before' ? rows.reverse() : rows;
  }

  async count(spec: Omit<SearchSpec, 'sort' | 'limit'>): Promise<number> {
    const st = countStatement(spec, await this.innerFirst(spec.conditions));
    const r = await this.db.query<{ n: number }>(st.text, st.values);
    return r.rows[0]?.n ?? 0;
  }

  /** The planner's row estimate (`_total=estimate`): no execution. */
  async estimate(spec: Omit<SearchSpec, 'sort' | 'limit'>): Promise<number> {
    const st = countStatement(spec, await this.innerFirst(spec.conditions));
    const r = await this.db.query<{ 'QUERY PLAN': { Plan: { Plans?: { 'Plan Rows'?: number }[] } }[] }>(`EXPLAIN (FORMAT JSON) ${st.text}`, st.values);
    return Math.round(r.rows[0]?.['QUERY PLAN'][0]?.Plan.Plans?.[0]?.['Plan Rows'] ?? 0);
  }

  /**
   * A store that also records `EXPLAIN (ANALYZE, BUFFERS)` of every statement it
   * runs (the debug switch): the plans land in `plans`, in order.
   */
  explaining(): { store: SearchStore; plans: { sql: string; plan: string[] }[] } {
    const plans: { sql: string; plan: string[] }[] = [];
    const db = this.db;
    const recorder: Queryable = {
      query: (async (text: string, values: unknown[]) => {
        const r = await db.query<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, BUFFERS, FORMAT TEXT) ${text}`, values);
        plans.push({ sql: text, plan: r.rows.map((row) => row['QUERY PLAN']) });
        return db.query(text, values);
      }) as Queryable['query'],
    };
    return { store: new SearchStore(recorder, this.hasInnerFirstRows), plans };
  }

  async include(sids: readonly number[], keys: readonly number[], targetTypes: readonly string[] | undefined, limit: number): Promise<SearchRow[]> {
    if (sids.length === 0 || keys.length === 0) return [];
    const st = includeStatement(sids, keys, targetTypes, limit);
    return (await this.db.query<Row>(st.text, st.values)).rows.map((row) => toRow(row));
  }

  async revinclude(
    targets: readonly { readonly type: string; readonly id: string }[],
    keys: readonly number[],
    sourceTypes: readonly string[],
    limit: number,
  ): Promise<SearchRow[]> {
    if (targets.length === 0 || keys.length === 0) return [];
    const st = revincludeStatement(targets, keys, sourceTypes, limit);
    return (await this.db.query<Row>(st.text, st.values)).rows.map((row) => toRow(row));
  }

  /**
   * A cheap fingerprint of a type's rows (count and latest write, deleted ones
   * included): it changes whenever a resource of the type is written.
   */
  async typeVersion(resourceType: string): Promise<string> {
    const r = await this.db.query<{ n: number; t: Date | null }>(
      'SELECT count(*) AS n, max(last_updated) AS t FROM resource WHERE resource_type = $1',
      [resourceType],
    );
    const row = r.rows[0];
    return `${row?.n ?? 0}@${row?.t?.toISOString() ?? ''}`;
  }

  /** Every current resource of a type, as JSON text (resourceType first); for small types only. */
  async all(resourceType: string, limit: number): Promise<string[]> {
    const r = await this.db.query<{ json: string }>(
      'SELECT content::text AS json FROM resource WHERE resource_type = $1 AND NOT deleted ORDER BY sid LIMIT $2',
      [resourceType, limit],
    );
    return r.rows.map((row) => withResourceType(resourceType, row.json));
  }

  /** Ids of current resources meeting the conditions (conditional create / update / delete). */
  async match(types: readonly string[], conditions: readonly Condition[], limit: number): Promise<string[]> {
    const st = matchStatement(types, conditions, limit, Date.now());
    const r = await this.db.query<{ id: string }>(st.text, st.values);
    return r.rows.map((row) => row.id);
  }

  /** match for many criteria in a few statements (matchManyStatements): the current versions matching each, in the order given. */
  async matchMany(items: readonly MatchCriteria[], limit: number): Promise<MatchedRow[][]> {
    const out = items.map((): MatchedRow[] => []);
    for (const st of matchManyStatements(items, limit, Date.now())) {
      const r = await this.db.query<MatchedRow & { k: number }>(st.text, st.values);
      for (const row of r.rows) out[row.k]?.push(row);
    }
    return out;
  }
}

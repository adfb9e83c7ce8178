import type { Queryable } from './db.js';

/**
 * The conformance resources written to the server (StructureDefinition, ValueSet, CodeSystem,
 * ConceptMap), for the validator's and terminology service's runtime cache
 * (server/terminology/conformance-cache.ts).
 *
 * The stamp is the count and the sum of version ids of the current rows of those types: a
 * create adds a row, an update or a delete raises a version id, so every committed write
 * changes it, in whatever order transactions commit (a max(last_updated) stamp would miss a
 * write whose transaction started earlier but committed later). It reads the primary-key
 * index range of the types only.
 */

const STAMP = `SELECT count(*) AS n, coalesce(sum(version_id), 0) AS v FROM resource WHERE resource_type = ANY($1::text[])`;
const CURRENT = `SELECT resource_type, content::text AS json FROM resource WHERE resource_type = ANY($1::text[]) AND NOT deleted ORDER BY resource_type, last_updated, id`;

export class ConformanceRowsStore {
  constructor(private readonly db: Queryable) {}

  async stamp(types: readonly string[]): Promise<string> {
    const r = await this.db.query<{ n: number; v: number | string }>({ name: 'conformance-stamp', text: STAMP, values: [types] });
    const row = r.rows[0];
    return row === undefined ? '0:0' : `${row.n}:${String(row.v)}`;
  }

  async current(types: readonly string[]): Promise<Record<string, unknown>[]> {
    const r = await this.db.query<{ resource_type: string; json: string }>({ name: 'conformance-current', text: CURRENT, values: [types] });
    return r.rows.map((row) => ({ resourceType: row.resource_type, ...(JSON.parse(row.json) as Record<string, unknown>) }));
  }
}

import type { Queryable } from './db.js';
import { pgArray } from './pg-array.js';
import { IndexRows } from './search/rows.js';
import { insertManyFirstVersions } from './sql.js';
import type { VersionInfo, WriteMethod } from './types.js';

/** A brand-new resource to store as version 1. */
export interface NewResource {
  readonly resourceType: string;
  readonly id: string;
  /** The body as stored (contentForStorage): JSON without resourceType, meta present. */
  readonly content: string;
  readonly method: WriteMethod;
  readonly index: IndexRows;
}

/**
 * Resources per statement. Larger batches save little more per resource (measured:
 * PostgreSQL CPU per Patient 395 µs alone, 218 µs in fours, 162 µs in sixteens,
 * 151 µs in 64s) but hold one bind message of all their bodies in memory.
 */
export const MAX_PER_STATEMENT = 250;

interface Row {
  resource_type: string;
  id: string;
  version_id: number;
  last_updated: Date;
}

const key = (resourceType: string, id: string): string => `${resourceType}/${id}`;

/**
 * Version 1 of each resource, with its history and search index rows, in as few
 * statements as the batch size allows (store/sql.ts insertManyFirstVersions). The
 * result is in input order; undefined where the id was already taken. Callers
 * needing all-or-nothing run this on a transaction's client; on the pool each
 * statement is atomic on its own. Type and id must be unique within `items`.
 */
export async function insertMany(db: Queryable, items: readonly NewResource[]): Promise<(VersionInfo | undefined)[]> {
  const seen = new Set<string>();
  for (const item of items) {
    const k = key(item.resourceType, item.id);
    if (seen.has(k)) throw new Error(`insertMany: ${k} appears twice in one batch`);
    seen.add(k);
  }
  const written = new Map<string, VersionInfo>();
  for (let start = 0; start < items.length; start += MAX_PER_STATEMENT) {
    const chunk = items.slice(start, start + MAX_PER_STATEMENT);
    const { mask, values } = IndexRows.statementPartsOfMany(chunk.map((i) => i.index));
    const r = await db.query<Row>({
      name: `insert-many-${mask}`,
      text: insertManyFirstVersions(mask),
      values: [
        pgArray(chunk.map((i) => i.resourceType)),
        pgArray(chunk.map((i) => i.id)),
        `[${chunk.map((i) => i.content).join(',')}]`,
        pgArray(chunk.map((i) => i.method)),
        ...values,
      ],
    });
    for (const row of r.rows) written.set(key(row.resource_type, row.id), { versionId: row.version_id, lastUpdated: row.last_updated });
  }
  return items.map((i) => written.get(key(i.resourceType, i.id)));
}

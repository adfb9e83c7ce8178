import type { Queryable } from './db.js';
import { MAX_PER_STATEMENT } from './insert-many.js';
import { pgArray } from './pg-array.js';
import { IndexRows } from './search/rows.js';
import { LOCK_MANY, writeManyNextVersions } from './sql.js';
import type { CurrentState, VersionInfo, WriteMethod } from './types.js';

/** The next version of a locked resource, to write with others (updateMany). */
export interface NextVersion {
  readonly resourceType: string;
  readonly id: string;
  /** The version to write: the current one plus one. */
  readonly versionId: number;
  /** The body as stored (contentForStorage): JSON without resourceType, meta present. */
  readonly content: string;
  readonly method: WriteMethod;
  readonly index: IndexRows;
}

const key = (resourceType: string, id: string): string => `${resourceType}/${id}`;

/** Locks the current rows of `items` (in type and id order); the state of each, by `Type/id`; missing ones are absent. */
export async function lockMany(db: Queryable, items: readonly { readonly resourceType: string; readonly id: string }[]): Promise<Map<string, CurrentState>> {
  const r = await db.query<{ resource_type: string; id: string; version_id: number; deleted: boolean }>(LOCK_MANY, [
    pgArray(items.map((i) => i.resourceType)),
    pgArray(items.map((i) => i.id)),
  ]);
  return new Map(r.rows.map((row) => [key(row.resource_type, row.id), { versionId: row.version_id, deleted: row.deleted }]));
}

/**
 * The next versions of many locked resources, with their history and search index
 * rows, in as few statements as the batch size allows (store/sql.ts
 * writeManyNextVersions). The result is in input order; undefined where the current
 * version was not the one before `versionId`. Type and id must be unique within `items`.
 */
export async function updateMany(db: Queryable, items: readonly NextVersion[]): Promise<(VersionInfo | undefined)[]> {
  if (new Set(items.map((i) => key(i.resourceType, i.id))).size !== items.length) throw new Error('updateMany: a resource appears twice in one batch');
  const written = new Map<string, VersionInfo>();
  for (let start = 0; start < items.length; start += MAX_PER_STATEMENT) {
    const chunk = items.slice(start, start + MAX_PER_STATEMENT);
    const { mask, values } = IndexRows.statementPartsOfMany(chunk.map((i) => i.index));
    const r = await db.query<{ resource_type: string; id: string; version_id: number; last_updated: Date }>({
      name: `update-many-${mask}`,
      text: writeManyNextVersions(mask),
      values: [
        pgArray(chunk.map((i) => i.resourceType)),
        pgArray(chunk.map((i) => i.id)),
        pgArray(chunk.map((i) => String(i.versionId))),
        `[${chunk.map((i) => i.content).join(',')}]`,
        pgArray(chunk.map((i) => i.method)),
        ...values,
      ],
    });
    for (const row of r.rows) written.set(key(row.resource_type, row.id), { versionId: row.version_id, lastUpdated: row.last_updated });
  }
  return items.map((i) => written.get(key(i.resourceType, i.id)));
}

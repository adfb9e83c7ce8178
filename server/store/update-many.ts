import type { Queryable } from './db.js';
import { writeInStatements, type BatchVersion } from './batch-write.js';
import { pgArray } from './pg-array.js';
import { LOCK_MANY, writeManyNextVersions } from './sql.js';
import type { CurrentState, VersionInfo } from './types.js';

/** The next version of a locked resource, to write with others (updateMany). */
export interface NextVersion extends BatchVersion {
  /** The version to write: the current one plus one. */
  readonly versionId: number;
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
export function updateMany(db: Queryable, items: readonly NextVersion[]): Promise<(VersionInfo | undefined)[]> {
  return writeInStatements(db, items, 'update-many', writeManyNextVersions, (chunk) => [pgArray(chunk.map((i) => String(i.versionId)))]);
}

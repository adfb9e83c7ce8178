import { writeInStatements, type BatchVersion } from './batch-write.js';
import type { Queryable } from './db.js';
import { insertManyFirstVersions } from './sql.js';
import type { VersionInfo } from './types.js';

export { MAX_PER_STATEMENT } from './batch-write.js';

/** A brand-new resource to store as version 1. */
export type NewResource = BatchVersion;

/**
 * Version 1 of each resource, with its history and search index rows, in as few
 * statements as the batch size allows (store/sql.ts insertManyFirstVersions). The
 * result is in input order; undefined where the id was already taken. Callers
 * needing all-or-nothing run this on a transaction's client; on the pool each
 * statement is atomic on its own. Type and id must be unique within `items`.
 */
export function insertMany(db: Queryable, items: readonly NewResource[]): Promise<(VersionInfo | undefined)[]> {
  return writeInStatements(db, items, 'insert-many', insertManyFirstVersions);
}

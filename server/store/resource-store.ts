import type { Pool, PoolClient, Queryable } from './db.js';
import { withTransaction } from './db.js';
import { ImportJobStore } from './import-job-store.js';
import { historyStatement } from './history-sql.js';
import { withResourceType } from './resource-json.js';
import { enqueue } from './outbox-enqueue.js';
import { lockMany, updateMany, type NextVersion } from './update-many.js';
import { insertMany, type NewResource } from './insert-many.js';
import type { Condition } from './search/condition.js';
import type { IndexRows } from './search/rows.js';
import { ReindexStore } from './search/reindex-store.js';
import { SearchStore } from './search/search-store.js';
import { ConformanceRowsStore } from './conformance-rows.js';
import {
  ADVISORY_LOCK,
  ADVISORY_LOCKS,
  LOCK_CURRENT,
  READ_CURRENT,
  READ_VERSION,
  writeNextVersion,
} from './sql.js';
import type {
  CurrentState,
  HistoryQuery,
  StoredVersion,
  VersionInfo,
  WriteMethod,
} from './types.js';

interface VersionRow {
  version_id: number;
  last_updated: Date;
}
interface ReadRow extends VersionRow {
  deleted: boolean;
  json: string | null;
  method?: WriteMethod;
}
interface HistoryRow extends ReadRow {
  resource_type: string;
  id: string;
  method: WriteMethod;
}

/** Re-exported: callers have always imported it from here. */
export { withResourceType } from './resource-json.js';

function firstKey(obj: Readonly<Record<string, unknown>>): string | undefined {
  for (const k in obj) return k;
  return undefined;
}

/** Serialises a resource body for storage: JSON without `resourceType`. */
export function contentForStorage(resource: Readonly<Record<string, unknown>>): string {
  const type = resource['resourceType'];
  // resourceType comes first in what the server builds: cut it from the text rather
  // than serialise a copy of the resource without it (a copy per resource written).
  if (typeof type === 'string' && firstKey(resource) === 'resourceType') {
    const text = JSON.stringify(resource);
    const prefix = `{"resourceType":${JSON.stringify(type)},`;
    if (text.startsWith(prefix)) return `{${text.slice(prefix.length)}`;
    if (text === `{"resourceType":${JSON.stringify(type)}}`) return '{}';
  }
  const { resourceType: _ignored, ...rest } = resource;
  return JSON.stringify(rest);
}

function toVersion(rows: readonly VersionRow[]): VersionInfo | undefined {
  const row = rows[0];
  return row === undefined ? undefined : { versionId: row.version_id, lastUpdated: row.last_updated };
}

function toStored(resourceType: string, id: string, row: ReadRow, method: WriteMethod): StoredVersion {
  return {
    resourceType,
    id,
    versionId: row.version_id,
    lastUpdated: row.last_updated,
    deleted: row.deleted,
    method: row.method ?? method,
    json: row.json === null ? null : withResourceType(resourceType, row.json),
  };
}

/** Operations that run inside one write transaction (one per FHIR write). */
export class StoreTransaction {
  constructor(private readonly client: PoolClient) {}

  /** Throws (SQLSTATE 25P02) when an earlier statement failed and the transaction can only roll back. */
  async checkUsable(): Promise<void> {
    await this.client.query('SELECT 1');
  }

  /** Serialises writers that share `key` until this transaction ends. */
  async lock(key: string): Promise<void> {
    await this.client.query(ADVISORY_LOCK, [key]);
  }

  /** lock() for each key, in the given order, in one statement. */
  async lockAll(keys: readonly string[]): Promise<void> {
    if (keys.length === 0) return;
    await (keys.length === 1 ? this.client.query(ADVISORY_LOCK, [...keys]) : this.client.query(ADVISORY_LOCKS, [keys]));
  }

  /** The current row, locked against concurrent writers; undefined if it never existed. */
  async lockCurrent(resourceType: string, id: string): Promise<CurrentState | undefined> {
    const r = await this.client.query<{ version_id: number; deleted: boolean }>(LOCK_CURRENT, [resourceType, id]);
    const row = r.rows[0];
    return row === undefined ? undefined : { versionId: row.version_id, deleted: row.deleted };
  }

  /** Version 1 of many new resources (store/insert-many.ts); undefined where the id was taken. */
  insertMany(items: readonly NewResource[]): Promise<(VersionInfo | undefined)[]> {
    return insertMany(this.client, items);
  }

  /** Locks the current rows of many resources (store/update-many.ts lockMany). */
  lockMany(items: readonly { readonly resourceType: string; readonly id: string }[]): Promise<Map<string, CurrentState>> {
    return lockMany(this.client, items);
  }

  /** The next versions of many locked resources (store/update-many.ts updateMany). */
  updateMany(items: readonly NextVersion[]): Promise<(VersionInfo | undefined)[]> {
    return updateMany(this.client, items);
  }

  /**
   * Runs `fn` so that a failure undoes only its own statements (a savepoint): the
   * transaction goes on as before `fn`, and the error is thrown.
   */
  async undoable<T>(fn: () => Promise<T>): Promise<T> {
    await this.client.query('SAVEPOINT undoable');
    try {
      const result = await fn();
      await this.client.query('RELEASE SAVEPOINT undoable');
      return result;
    } catch (err) {
      await this.client.query('ROLLBACK TO SAVEPOINT undoable');
      await this.client.query('RELEASE SAVEPOINT undoable');
      throw err;
    }
  }

  /**
   * The next version of a locked resource; `content` null writes a delete marker.
   * Its search index rows are replaced by `index` (pass no rows for a delete).
   */
  async writeNext(
    resourceType: string,
    id: string,
    versionId: number,
    content: string | null,
    method: WriteMethod,
    index: IndexRows,
  ): Promise<VersionInfo> {
    const { mask, values } = index.statementParts();
    const r = await this.client.query<VersionRow>({
      name: `write-next-${mask}`,
      text: writeNextVersion(mask),
      values: [resourceType, id, versionId, content === null, content, method, ...values],
    });
    const v = toVersion(r.rows);
    if (v === undefined) throw new Error(`writeNext: ${resourceType}/${id} vanished while locked`);
    return v;
  }

  /** Ids of current resources meeting search conditions (conditional interactions), inside this transaction. */
  match(resourceType: string, conditions: readonly Condition[], limit: number): Promise<string[]> {
    return new SearchStore(this.client).match([resourceType], conditions, limit);
  }

  /** match for many criteria in a few statements (each of one type): the current versions matching each, in the order given. */
  async matchMany(items: readonly { readonly resourceType: string; readonly conditions: readonly Condition[] }[], limit: number): Promise<StoredVersion[][]> {
    const found = await new SearchStore(this.client).matchMany(items.map((m) => ({ types: [m.resourceType], conditions: m.conditions })), limit);
    return found.map((rows, i) => rows.map((row) => toStored(items[i]?.resourceType ?? '', row.id, row, 'PUT')));
  }

  read(resourceType: string, id: string): Promise<StoredVersion | undefined> {
    return readCurrent(this.client, resourceType, id);
  }

  /** One stored version, read inside the transaction (write hooks read the version a write replaced). */
  async version(resourceType: string, id: string, versionId: number): Promise<StoredVersion | undefined> {
    const r = await this.client.query<ReadRow>({ name: 'read-version', text: READ_VERSION, values: [resourceType, id, versionId] });
    const row = r.rows[0];
    return row === undefined ? undefined : toStored(resourceType, id, row, 'PUT');
  }

  /** Adds jobs to the outbox in this transaction (store/outbox.ts): they exist if and only if it commits. */
  enqueue(topic: string, payloads: readonly unknown[]): Promise<void> {
    return enqueue(this.client, topic, payloads);
  }
}

async function readCurrent(db: Queryable, resourceType: string, id: string): Promise<StoredVersion | undefined> {
  const r = await db.query<ReadRow>({ name: 'read-current', text: READ_CURRENT, values: [resourceType, id] });
  const row = r.rows[0];
  return row === undefined ? undefined : toStored(resourceType, id, row, 'PUT');
}

/** The PostgreSQL resource store: current rows, full history, one transaction per write. */
export class ResourceStore {
  constructor(private readonly pool: Pool) {}

  read(resourceType: string, id: string): Promise<StoredVersion | undefined> {
    return readCurrent(this.pool, resourceType, id);
  }

  /** Jobs waiting in the outbox, by topic (for /metrics). */
  async outboxBacklog(): Promise<Map<string, number>> {
    const r = await this.pool.query<{ topic: string; n: number }>('SELECT topic, count(*)::int AS n FROM outbox GROUP BY topic');
    return new Map(r.rows.map((row) => [row.topic, row.n]));
  }

  async vread(resourceType: string, id: string, versionId: number): Promise<StoredVersion | undefined> {
    const r = await this.pool.query<ReadRow>({ name: 'read-version', text: READ_VERSION, values: [resourceType, id, versionId] });
    const row = r.rows[0];
    return row === undefined ? undefined : toStored(resourceType, id, row, 'PUT');
  }

  /**
   * Many brand-new resources with server-assigned ids, in multi-row statements
   * (each atomic on its own); undefined where the id was taken.
   */
  createMany(items: readonly NewResource[]): Promise<(VersionInfo | undefined)[]> {
    return insertMany(this.pool, items);
  }

  async history(query: HistoryQuery): Promise<StoredVersion[]> {
    const { text, values } = historyStatement(query);
    const r = await this.pool.query<HistoryRow>(text, values);
    return r.rows.map((row) => toStored(row.resource_type, row.id, row, row.method));
  }

  async countHistory(resourceType: string, id: string): Promise<number> {
    const r = await this.pool.query<{ n: number }>(
      'SELECT count(*) AS n FROM resource_history WHERE resource_type = $1 AND id = $2',
      [resourceType, id],
    );
    return r.rows[0]?.n ?? 0;
  }

  transaction<T>(fn: (tx: StoreTransaction) => Promise<T>): Promise<T> {
    return withTransaction(this.pool, (client) => fn(new StoreTransaction(client)));
  }

  /** Search queries on the pool (issue #3). */
  search(): SearchStore {
    return new SearchStore(this.pool);
  }

  /** `$reindex` batches and jobs (issue #3). */
  reindex(): ReindexStore {
    return new ReindexStore(this.pool);
  }

  /** Jobs and chunks of the asynchronous `$import` (issue #4). */
  imports(): ImportJobStore {
    return new ImportJobStore(this.pool);
  }

  /** The stored conformance resources, for the validator's cache (issue #5). */
  conformance(): ConformanceRowsStore {
    return new ConformanceRowsStore(this.pool);
  }

  /** Readiness: the database answers. */
  async ping(): Promise<void> {
    await this.pool.query('SELECT 1');
  }
}

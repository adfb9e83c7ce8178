/**
 * The SQL of `$reindex`: batches of current resources of one type in sid order,
 * locked with SKIP LOCKED (a resource being written right now is skipped: its
 * writer indexes it with the current parameters anyway, and nobody waits on the
 * reindex), their index rows replaced, and the job's progress recorded.
 */
import type { Pool, PoolClient, Queryable } from '../db.js';
import { withTransaction } from '../db.js';
import { withResourceType } from '../resource-json.js';
import { INDEX_TABLES } from './index-write-sql.js';
import type { IndexRows } from './rows.js';

export interface ReindexJob {
  readonly id: string;
  readonly resourceType: string;
  readonly state: 'running' | 'done' | 'failed';
  readonly total: number;
  readonly processed: number;
  readonly started: Date;
  readonly updated: Date;
  readonly finished: Date | null;
  readonly error: string | null;
}

interface JobRow {
  id: string;
  resource_type: string;
  state: ReindexJob['state'];
  total: number;
  processed: number;
  started: Date;
  updated: Date;
  finished: Date | null;
  error: string | null;
}

/** One resource to reindex: its sid and its JSON (resourceType first). */
export interface ReindexItem {
  readonly sid: number;
  readonly json: string;
}

/** Replaces the index rows of the given resources (their current ones deleted first). */
async function replaceRows(client: Queryable, items: readonly { sid: number; rows: IndexRows }[]): Promise<void> {
  const sids = items.map((i) => i.sid);
  for (const spec of INDEX_TABLES) await client.query(`DELETE FROM ${spec.table} WHERE res = ANY($1::int8[])`, [sids]);
  for (const [t, spec] of INDEX_TABLES.entries()) {
    const res: number[] = [];
    const cols = spec.columns.map(() => [] as unknown[]);
    for (const item of items) {
      const columns = item.rows.tables()[t] ?? [];
      const n = columns[0]?.length ?? 0;
      for (let j = 0; j < n; j += 1) res.push(item.sid);
      columns.forEach((c, k) => cols[k]?.push(...c));
    }
    if (res.length === 0) continue;
    const names = spec.columns.map(([c]) => c);
    const arrays = spec.columns.map(([, type], k) => `$${k + 2}::${type}[]`).join(', ');
    // `t` is the alias INDEX_TABLES' select expressions use.
    const select = names.map((c) => spec.select?.[c] ?? `t.${c}`).join(', ');
    await client.query(
      `INSERT INTO ${spec.table} (res, ${names.join(', ')}) SELECT t.res, ${select} FROM unnest($1::int8[], ${arrays}) AS t(res, ${names.join(', ')})`,
      [res, ...cols],
    );
  }
}

function toJob(r: JobRow): ReindexJob {
  return {
    id: r.id,
    resourceType: r.resource_type,
    state: r.state,
    total: r.total,
    processed: r.processed,
    started: r.started,
    updated: r.updated,
    finished: r.finished,
    error: r.error,
  };
}

export class ReindexStore {
  constructor(private readonly pool: Pool) {}

  async createJob(id: string, resourceType: string): Promise<ReindexJob> {
    const r = await this.pool.query<JobRow>(
      `INSERT INTO search_reindex_job (id, resource_type, state, total)
       SELECT $1, $2, 'running', count(*) FROM resource WHERE resource_type = $2 AND NOT deleted
       RETURNING *`,
      [id, resourceType],
    );
    const row = r.rows[0];
    if (row === undefined) throw new Error('reindex job not created');
    return toJob(row);
  }

  async job(id: string): Promise<ReindexJob | undefined> {
    const r = await this.pool.query<JobRow>('SELECT * FROM search_reindex_job WHERE id = $1', [id]);
    const row = r.rows[0];
    return row === undefined ? undefined : toJob(row);
  }

  async finish(id: string, error: string | null): Promise<void> {
    await this.pool.query(
      `UPDATE search_reindex_job SET state = $2, error = $3, finished = now(), updated = now() WHERE id = $1`,
      [id, error === null ? 'done' : 'failed', error],
    );
  }

  /**
   * One batch in its own transaction: the next `size` current resources after
   * the job's last sid, `index` computing their rows. Returns how many were
   * read (0 when the type is done).
   */
  async batch(jobId: string, resourceType: string, size: number, index: (item: ReindexItem) => IndexRows): Promise<number> {
    return withTransaction(this.pool, async (client: PoolClient) => {
      const job = await client.query<{ last_sid: number }>('SELECT last_sid FROM search_reindex_job WHERE id = $1 FOR UPDATE', [jobId]);
      const after = job.rows[0]?.last_sid ?? 0;
      const r = await client.query<{ sid: number; json: string }>(
        `SELECT sid, content::text AS json FROM resource
          WHERE resource_type = $1 AND NOT deleted AND sid > $2
          ORDER BY sid LIMIT $3 FOR UPDATE SKIP LOCKED`,
        [resourceType, after, size],
      );
      const items = r.rows.map((row) => ({ sid: row.sid, rows: index({ sid: row.sid, json: withResourceType(resourceType, row.json) }) }));
      await replaceRows(client, items);
      const last = r.rows[r.rows.length - 1];
      if (last !== undefined) {
        await client.query(
          'UPDATE search_reindex_job SET processed = processed + $2, last_sid = $3, updated = now() WHERE id = $1',
          [jobId, r.rows.length, last.sid],
        );
      }
      return r.rows.length;
    });
  }

  /** One resource, now (instance-level $reindex); false when it does not exist or is deleted. */
  async one(resourceType: string, id: string, index: (item: ReindexItem) => IndexRows): Promise<number | undefined> {
    return withTransaction(this.pool, async (client) => {
      const r = await client.query<{ sid: number; json: string }>(
        'SELECT sid, content::text AS json FROM resource WHERE resource_type = $1 AND id = $2 AND NOT deleted FOR UPDATE',
        [resourceType, id],
      );
      const row = r.rows[0];
      if (row === undefined) return undefined;
      const rows = index({ sid: row.sid, json: withResourceType(resourceType, row.json) });
      await replaceRows(client, [{ sid: row.sid, rows }]);
      return rows.size;
    });
  }
}

// Bulk load for the search benchmark: what the server writes for a create
// (current row, history row, the same search index rows from the same
// extraction code), but 500 resources per statement so that a million
// resources load in minutes. Not a server code path: a benchmark fixture.
import type pg from 'pg';
import { officialRegistry } from '../server/fhir/search/definitions/registry.js';
import { extractIndexRows } from '../server/fhir/search/index/extract.js';
import { INDEX_TABLES } from '../server/store/search/index-write-sql.js';
import type { Resource } from './search-data.js';

const BATCH = 500;

async function insertBatch(pool: pg.Pool, batch: readonly Resource[], baseUrl: string): Promise<number> {
  const registry = officialRegistry();
  const now = new Date().toISOString();
  const contents: string[] = [];
  let bytes = 0;
  // Per index table: res column + the table's columns, concatenated over the batch.
  const tables = INDEX_TABLES.map((t) => ({ spec: t, res: [] as number[], cols: t.columns.map(() => [] as unknown[]) }));
  const client = await pool.connect();
  try {
    const seq = await client.query<{ sid: string | number }>(
      "SELECT nextval(pg_get_serial_sequence('resource', 'sid')) AS sid FROM generate_series(1, $1)",
      [batch.length],
    );
    const sids = seq.rows.map((r) => Number(r.sid));
    batch.forEach((r, i) => {
      const resource = { ...r, meta: { ...((r['meta'] as object | undefined) ?? {}), versionId: '1', lastUpdated: now } };
      const json = JSON.stringify(resource);
      bytes += json.length;
      const { resourceType: _t, ...rest } = resource;
      contents.push(JSON.stringify(rest));
      const rows = extractIndexRows(registry, resource, { baseUrl, content: true });
      rows.tables().forEach((cols, t) => {
        const target = tables[t];
        if (target === undefined) return;
        const n = cols[0]?.length ?? 0;
        for (let j = 0; j < n; j += 1) target.res.push(sids[i] ?? 0);
        cols.forEach((c, k) => target.cols[k]?.push(...c));
      });
    });
    await client.query('BEGIN');
    const values = [sids, batch.map((r) => r.resourceType), batch.map((r) => r.id), contents, now];
    await client.query(
      `INSERT INTO resource (sid, resource_type, id, version_id, last_updated, deleted, content)
       SELECT s, t, i, 1, $5::timestamptz, false, c::jsonb FROM unnest($1::int8[], $2::text[], $3::text[], $4::text[]) AS u(s, t, i, c)`,
      values,
    );
    // As the server stores a current version: its body only in `resource` (store/sql.ts KEEP_REPLACED).
    await client.query(
      `INSERT INTO resource_history (resource_type, id, version_id, last_updated, deleted, method)
       SELECT t, i, 1, $4::timestamptz, false, 'POST' FROM unnest($1::text[], $2::text[], $3::int8[]) AS u(t, i, s)`,
      [values[1], values[2], values[0], now],
    );
    for (const t of tables) {
      if (t.res.length === 0) continue;
      const names = t.spec.columns.map(([c]) => c);
      const arrays = t.spec.columns.map(([, type], k) => `$${k + 2}::${type}[]`).join(', ');
      // `t` is the alias INDEX_TABLES' select expressions use.
      const select = names.map((c) => t.spec.select?.[c] ?? `t.${c}`).join(', ');
      await client.query(
        `INSERT INTO ${t.spec.table} (res, ${names.join(', ')}) SELECT t.res, ${select} FROM unnest($1::int8[], ${arrays}) AS t(res, ${names.join(', ')})`,
        [t.res, ...t.cols],
      );
    }
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
  return bytes;
}

/** Loads resources in batches, `parallel` batches at a time; returns their raw JSON size in bytes. */
export async function bulkLoad(pool: pg.Pool, resources: readonly Resource[], baseUrl: string, parallel = 2): Promise<number> {
  let next = 0;
  let bytes = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      for (;;) {
        const start = next;
        next += BATCH;
        if (start >= resources.length) return;
        const b = await insertBatch(pool, resources.slice(start, start + BATCH), baseUrl);
        bytes += b;
      }
    }),
  );
  return bytes;
}

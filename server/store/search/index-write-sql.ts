/**
 * The CTEs that write (and replace) a resource's search index rows inside the
 * very statement that writes the resource version, so a write stays one
 * atomic statement and one round trip. Each table gets one
 * `INSERT … SELECT FROM unnest(<column arrays>)`, whatever its row count;
 * the column arrays come from IndexRows.bindValues() in this order.
 */

interface TableSpec {
  readonly table: string;
  /** Column name and the array type its values are bound as. */
  readonly columns: readonly (readonly [string, string])[];
  /** SQL for each inserted column; `t.<col>` refers to the unnested value. */
  readonly select?: Readonly<Record<string, string>>;
}

export const INDEX_TABLES: readonly TableSpec[] = [
  { table: 'sp_token', columns: [['param', 'int4'], ['system', 'text'], ['code', 'text']] },
  { table: 'sp_string', columns: [['param', 'int4'], ['norm', 'text'], ['exact', 'text']] },
  { table: 'sp_date', columns: [['param', 'int4'], ['lo', 'timestamptz'], ['hi', 'timestamptz']] },
  { table: 'sp_number', columns: [['param', 'int4'], ['lo', 'float8'], ['hi', 'float8']] },
  {
    table: 'sp_quantity',
    columns: [['param', 'int4'], ['lo', 'float8'], ['hi', 'float8'], ['system', 'text'], ['code', 'text'], ['unit', 'text']],
  },
  { table: 'sp_reference', columns: [['param', 'int4'], ['target_type', 'text'], ['target_id', 'text']] },
  { table: 'sp_uri', columns: [['param', 'int4'], ['value', 'text']] },
  {
    table: 'sp_composite',
    columns: [
      ['param', 'int4'],
      ['s1', 'text'],
      ['c1', 'text'],
      ['s2', 'text'],
      ['c2', 'text'],
      ['lo2', 'float8'],
      ['hi2', 'float8'],
      ['lo3', 'float8'],
      ['hi3', 'float8'],
    ],
  },
  { table: 'sp_text', columns: [['param', 'int2'], ['tsv', 'text']], select: { tsv: "to_tsvector('simple', t.tsv)" } },
];

/** Mask bit (after the tables' bits) of a write whose `_content` rows are left to the background. */
export const CONTENT_QUEUED = 1 << INDEX_TABLES.length;

/** Outbox topic of resources waiting for their `_content` rows (content-index.ts). */
export const CONTENT_TOPIC = 'search-content';

/**
 * `, q_content AS (INSERT INTO outbox …)` when `mask` has CONTENT_QUEUED: one job
 * naming every resource row that CTE `source` returns (its `sid`), queued in the very
 * statement that writes them, so the job exists exactly when the write does.
 */
export function contentQueueCte(source: string, mask: number): string {
  if ((mask & CONTENT_QUEUED) === 0) return '';
  return `,
  q_content AS (
    INSERT INTO outbox (topic, payload)
    SELECT '${CONTENT_TOPIC}', jsonb_build_object('sids', jsonb_agg(sid)) FROM ${source} HAVING count(*) > 0)`;
}

/** Bit i set when table i of INDEX_TABLES has rows: the statement only writes those. */
export function indexMask(tables: readonly (readonly unknown[][])[]): number {
  let mask = 0;
  tables.forEach((columns, i) => {
    if ((columns[0]?.length ?? 0) > 0) mask |= 1 << i;
  });
  return mask;
}

/**
 * `, i_sp_token AS (INSERT …), …`: inserts for the resource row(s) that CTE
 * `source` returns (its `sid` column), for the tables in `mask` only (an empty
 * INSERT CTE still costs its planning and execution); binds start at `$first`.
 *
 * With `batch` (many new resources at once, store/insert-many.ts) each table's
 * arrays start with `ord`, the 1-based position of the row's resource in that CTE
 * (columns resource_type, id, ord), and rows join `source` on type and id, so a
 * resource that was not inserted (id taken) gets no index rows.
 */
export function indexInsertCtes(source: string, first: number, mask: number, batch?: string): string {
  let n = first;
  return INDEX_TABLES.filter((_t, i) => (mask & (1 << i)) !== 0)
    .map((spec) => {
      const names = spec.columns.map(([c]) => c);
      const ord = batch === undefined ? [] : [`$${n++}::int4[]`];
      const arrays = [...ord, ...spec.columns.map(([, type]) => `$${n++}::${type}[]`)].join(', ');
      const select = names.map((c) => spec.select?.[c] ?? `t.${c}`).join(', ');
      const from =
        batch === undefined
          ? `FROM ${source} s, unnest(${arrays}) AS t(${names.join(', ')})`
          : `FROM unnest(${arrays}) AS t(ord, ${names.join(', ')})
      JOIN ${batch} b ON b.ord = t.ord
      JOIN ${source} s ON s.resource_type = b.resource_type AND s.id = b.id`;
      return `,
  i_${spec.table} AS (
    INSERT INTO ${spec.table} (res, ${names.join(', ')})
    SELECT s.sid, ${select} ${from})`;
    })
    .join('');
}

/**
 * `, d_sp_token AS (DELETE …), …`: removes the rows of the resource that CTE
 * `source` returns. In one statement the deletes do not see the rows the
 * inserts add (https://www.postgresql.org/docs/current/queries-with.html#QUERIES-WITH-MODIFYING),
 * so an update deletes the old rows and inserts the new ones together.
 */
export function indexDeleteCtes(source: string): string {
  return INDEX_TABLES.map(
    (spec) => `,
  d_${spec.table} AS (DELETE FROM ${spec.table} WHERE res IN (SELECT sid FROM ${source}))`,
  ).join('');
}

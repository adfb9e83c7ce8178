/**
 * SQL fragments shared by the resource store. Every value reaches PostgreSQL as a
 * bind parameter; only these constant fragments are spliced into statements.
 */

import { contentQueueCte, indexDeleteCtes, indexInsertCtes } from './search/index-write-sql.js';

/** One timestamp per write, truncated to the millisecond that FHIR instants carry. */
export const NOW_MS = "date_trunc('milliseconds', clock_timestamp())";

/**
 * Stamps `meta.versionId` and `meta.lastUpdated` into the content inside the
 * database, so the stored JSON always agrees with the version columns.
 * The content must already hold a `meta` object.
 */
export function stampedContent(contentParam: string, versionExpr: string, timeExpr: string): string {
  return `jsonb_set(jsonb_set(${contentParam}::jsonb, '{meta,versionId}', to_jsonb((${versionExpr})::text)),
    '{meta,lastUpdated}', to_jsonb(to_char(${timeExpr} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')))`;
}

/*
 * History rows carry no content while their version is current: it is the `resource`
 * row's, and a history read takes it from there (HISTORY_CONTENT). The statement that
 * writes the next version first copies the replaced content into its history row
 * (KEEP_REPLACED). A resource is mostly written once, so its body is stored once instead
 * of twice: measured on the Synthea sample, a history table of 6.7 MB instead of 48.4 MB
 * and 16 % less WAL (PostgreSQL's CPU per resource within noise). Rows written before
 * this scheme keep their content; deleted versions have none.
 */

/** Appends the new current row to history in the same statement (one atomic write). */
export const COPY_TO_HISTORY = (source: string, methodParam: string): string => `
  INSERT INTO resource_history (resource_type, id, version_id, last_updated, deleted, method)
  SELECT resource_type, id, version_id, last_updated, deleted, ${methodParam} FROM ${source}
  RETURNING version_id, last_updated`;

/** COPY_TO_HISTORY for many resources: each new row of `source`, with its method from the statement's `batch`. */
const BATCH_TO_HISTORY = (source: string): string => `
  INSERT INTO resource_history (resource_type, id, version_id, last_updated, deleted, method)
  SELECT s.resource_type, s.id, s.version_id, s.last_updated, s.deleted, b.method
    FROM ${source} s JOIN batch b ON b.resource_type = s.resource_type AND b.id = s.id
  RETURNING resource_type, id, version_id, last_updated`;

/**
 * CTEs `replaced` (the current rows `where` selects, as they are before the statement's
 * update: every CTE of a statement sees the same snapshot) and `kept`, which gives
 * their history rows the content they are about to lose. `from` may add a table to join.
 */
const KEEP_REPLACED = (from: string, where: string): string => `
  replaced AS (
    SELECT r.resource_type, r.id, r.version_id, r.content FROM resource r${from}
     WHERE ${where} AND NOT r.deleted
  ),
  kept AS (
    UPDATE resource_history h SET content = p.content
      FROM replaced p
     WHERE h.resource_type = p.resource_type AND h.id = p.id AND h.version_id = p.version_id AND h.content IS NULL
  ),`;

/** A history row's content as JSON text (alias `h`, with `r` the LEFT JOIN of HISTORY_CURRENT): its own, or the current row's. */
export const HISTORY_CONTENT = 'CASE WHEN h.deleted THEN NULL ELSE coalesce(h.content, r.content) END::text';

/** The current row a history row without content takes its content from. */
export const HISTORY_CURRENT = `LEFT JOIN resource r
    ON h.content IS NULL AND NOT h.deleted AND r.resource_type = h.resource_type AND r.id = h.id AND r.version_id = h.version_id`;

const statements = new Map<string, string>();

function cached(key: string, build: () => string): string {
  let text = statements.get(key);
  if (text === undefined) {
    text = build();
    statements.set(key, text);
  }
  return text;
}

/**
 * Version 1 of many new resources, with their history and search index rows, in
 * one statement: $1, $2 and $4 are parallel arrays of type, id and method
 * (position = `ord`), $3 a JSON array of the contents in the same order (one JSON
 * text costs the client no per-element array escaping), then the index tables in
 * `mask` (indexInsertCtes with a batch). The contents come stamped (meta.versionId 1
 * and meta.lastUpdated, set by the writer), and last_updated is read from the stamp,
 * so the column and the JSON agree. An id already taken inserts nothing for that
 * resource and is missing from RETURNING. One statement for many resources is what
 * makes bulk loads and concurrent creates cheap: the per-statement work (executor
 * start, ten CTEs, commit) is shared instead of paid per resource.
 */
export function insertManyFirstVersions(mask: number): string {
  return cached(`many:${mask}`, () => `
  WITH batch AS (
    SELECT b.resource_type, b.id, b.method, b.ord, c.content
      FROM unnest($1::text[], $2::text[], $4::text[]) WITH ORDINALITY AS b(resource_type, id, method, ord)
      JOIN jsonb_array_elements($3::jsonb) WITH ORDINALITY AS c(content, ord) ON c.ord = b.ord
  ),
  ins AS (
    INSERT INTO resource (resource_type, id, version_id, last_updated, deleted, content)
    SELECT b.resource_type, b.id, 1, (b.content -> 'meta' ->> 'lastUpdated')::timestamptz, false, b.content FROM batch b ORDER BY b.ord
    ON CONFLICT (resource_type, id) DO NOTHING
    RETURNING sid, resource_type, id, version_id, last_updated, deleted, content
  )${indexInsertCtes('ins', 5, mask, 'batch')}${contentQueueCte('ins', mask)}
  ${BATCH_TO_HISTORY('ins')}`);
}

/** In an UPDATE of `resource r` FROM `ts`: now, or 1 ms after the replaced version if that is later. */
const NEXT_TIME = "greatest(ts.now, r.last_updated + interval '1 millisecond')";

/**
 * The next version; the resource's index rows are all replaced by those in
 * `mask` ($7…; none for a delete). Its time is the database's clock, but never
 * before the version it replaces: version 1 carries the server process's clock
 * (TransactionWriter), which on another host may run a little ahead, and a
 * resource's history must not go back in time.
 */
export function writeNextVersion(mask: number): string {
  return cached(`next:${mask}`, () => `
  WITH ts AS (SELECT ${NOW_MS} AS now),${KEEP_REPLACED('', 'r.resource_type = $1 AND r.id = $2')}
  cur AS (
    UPDATE resource r
       SET version_id = $3::int, last_updated = ${NEXT_TIME}, deleted = $4::boolean,
           content = ${stampedContent('$5', '$3::int', NEXT_TIME)}
      FROM ts
     WHERE r.resource_type = $1 AND r.id = $2
    RETURNING r.sid, r.resource_type, r.id, r.version_id, r.last_updated, r.deleted, r.content
  )${indexDeleteCtes('cur')}${indexInsertCtes('cur', 7, mask)}${contentQueueCte('cur', mask)}
  ${COPY_TO_HISTORY('cur', '$6::text')}`);
}

/**
 * The next version of many locked resources in one statement (a transaction's run of
 * updates, fhir/bundle/update-run.ts): $1, $2, $3 and $5 are parallel arrays of type,
 * id, new version and method (position = `ord`), $4 a JSON array of the contents in
 * the same order; each resource's index rows are all replaced by those in `mask`
 * ($6…, indexInsertCtes with a batch). Times as in writeNextVersion. A resource whose
 * current version is not the one before is left alone (missing from RETURNING).
 */
export function writeManyNextVersions(mask: number): string {
  return cached(`next-many:${mask}`, () => `
  WITH ts AS (SELECT ${NOW_MS} AS now),
  batch AS (
    SELECT b.resource_type, b.id, b.version_id, b.method, b.ord, c.content
      FROM unnest($1::text[], $2::text[], $3::int4[], $5::text[]) WITH ORDINALITY AS b(resource_type, id, version_id, method, ord)
      JOIN jsonb_array_elements($4::jsonb) WITH ORDINALITY AS c(content, ord) ON c.ord = b.ord
  ),${KEEP_REPLACED(' JOIN batch b ON r.resource_type = b.resource_type AND r.id = b.id', 'r.version_id = b.version_id - 1')}
  cur AS (
    UPDATE resource r
       SET version_id = b.version_id, last_updated = ${NEXT_TIME}, deleted = false,
           content = ${stampedContent('b.content', 'b.version_id', NEXT_TIME)}
      FROM ts, batch b
     WHERE r.resource_type = b.resource_type AND r.id = b.id AND r.version_id = b.version_id - 1
    RETURNING r.sid, r.resource_type, r.id, r.version_id, r.last_updated, r.deleted, r.content
  )${indexDeleteCtes('cur')}${indexInsertCtes('cur', 6, mask, 'batch')}${contentQueueCte('cur', mask)}
  ${BATCH_TO_HISTORY('cur')}`);
}

/** The current rows of many resources, locked in (type, id) order; missing ones are not returned. */
export const LOCK_MANY = `
  SELECT r.resource_type, r.id, r.version_id, r.deleted
    FROM resource r JOIN unnest($1::text[], $2::text[]) AS k(resource_type, id)
      ON r.resource_type = k.resource_type AND r.id = k.id
   ORDER BY r.resource_type, r.id
     FOR UPDATE OF r`;

export const READ_CURRENT = `
  SELECT version_id, last_updated, deleted, content::text AS json
    FROM resource WHERE resource_type = $1 AND id = $2`;

export const READ_VERSION = `
  SELECT h.version_id, h.last_updated, h.deleted, h.method, ${HISTORY_CONTENT} AS json
    FROM resource_history h ${HISTORY_CURRENT}
   WHERE h.resource_type = $1 AND h.id = $2 AND h.version_id = $3`;

export const LOCK_CURRENT = `
  SELECT version_id, deleted FROM resource WHERE resource_type = $1 AND id = $2 FOR UPDATE`;

/** Transaction-scoped advisory lock, serialising e.g. conditional creates on the same criteria. */
export const ADVISORY_LOCK = 'SELECT pg_advisory_xact_lock(hashtextextended($1, 0))';

/** Several advisory locks in one round trip, taken in the array's order (a function scan keeps it). */
export const ADVISORY_LOCKS = 'SELECT count(pg_advisory_xact_lock(hashtextextended(k, 0))) FROM unnest($1::text[]) AS k';

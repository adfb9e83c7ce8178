import { HISTORY_CONTENT, HISTORY_CURRENT } from './sql.js';
import type { HistoryQuery } from './types.js';

/** A statement and its bind values. */
export interface Statement {
  readonly text: string;
  readonly values: unknown[];
}

/**
 * History newest first (https://hl7.org/fhir/R4/http.html#history), paged by a
 * keyset on (last_updated, resource_type, id, version_id) so that pages stay
 * correct while new versions are written between them.
 */
export function historyStatement(q: HistoryQuery): Statement {
  const values: unknown[] = [];
  const where: string[] = [];
  const bind = (v: unknown): string => {
    values.push(v);
    return `$${values.length}`;
  };
  if (q.resourceType !== undefined) where.push(`h.resource_type = ${bind(q.resourceType)}`);
  if (q.id !== undefined) where.push(`h.id = ${bind(q.id)}`);
  if (q.since !== undefined) where.push(`h.last_updated >= ${bind(q.since)}`);
  if (q.at !== undefined) {
    // Current at some point in [start, end): created before the end, and not yet
    // replaced by a later version at the start.
    where.push(`h.last_updated < ${bind(q.at.end)}`);
    where.push(`NOT EXISTS (SELECT 1 FROM resource_history n
       WHERE n.resource_type = h.resource_type AND n.id = h.id
         AND n.version_id > h.version_id AND n.last_updated <= ${bind(q.at.start)})`);
  }
  if (q.before !== undefined) {
    const b = q.before;
    where.push(
      `(h.last_updated, h.resource_type, h.id, h.version_id) < (${bind(b.lastUpdated)}, ${bind(b.resourceType)}, ${bind(b.id)}, ${bind(b.versionId)})`,
    );
  }
  const text = `
    SELECT h.resource_type, h.id, h.version_id, h.last_updated, h.deleted, h.method, ${HISTORY_CONTENT} AS json
      FROM resource_history h ${HISTORY_CURRENT}
     ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
     ORDER BY h.last_updated DESC, h.resource_type DESC, h.id DESC, h.version_id DESC
     LIMIT ${bind(q.count)}`;
  return { text, values };
}

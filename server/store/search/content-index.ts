/**
 * `_content` rows written in the background (SEARCH_CONTENT_DEFERRED). Turning a
 * whole resource into a tsvector and adding it to a GIN index is about a fifth of
 * PostgreSQL's work per write (and `_content` is the rarest search), so by default
 * the write statement only queues the resource (index-write-sql.ts contentQueueCte)
 * and this worker adds the rows shortly after: a `_content` search may miss a
 * resource for a moment after it is written, like the near-real-time full-text
 * indexes of other servers. Every other search parameter, `_text` included, is
 * still indexed in the write statement itself.
 */
import type { Logger } from 'pino';
import type { Pool, Queryable } from '../db.js';
import { pendingJobs, type OutboxJob } from '../outbox.js';
import { OutboxWorker } from '../outbox-worker.js';
import { CONTENT_TOPIC } from './index-write-sql.js';
import { contentText, TEXT_KIND } from './text.js';

export { CONTENT_TOPIC };

/** Resource row ids named by content jobs (`{"sids": [...]}`), each once. */
function sidsOf(jobs: readonly OutboxJob[]): number[] {
  const out = new Set<number>();
  for (const job of jobs) {
    const sids = (job.payload as { sids?: unknown } | null)?.sids;
    if (Array.isArray(sids)) for (const sid of sids) if (typeof sid === 'number') out.add(sid);
  }
  return [...out];
}

/**
 * Replaces the `_content` rows of these resource rows with rows from their current
 * content. A resource deleted (or gone) since it was queued gets none; one written
 * again since is queued again by that write, so the last job leaves the rows of the
 * last version.
 */
export async function refreshContentRows(db: Queryable, sids: readonly number[]): Promise<void> {
  if (sids.length === 0) return;
  const current = await db.query<{ sid: number; content: Record<string, unknown> }>(
    'SELECT sid, content FROM resource WHERE sid = ANY($1::int8[]) AND NOT deleted',
    [sids],
  );
  const res: number[] = [];
  const texts: string[] = [];
  for (const row of current.rows) {
    const text = contentText(row.content);
    if (text === undefined) continue;
    res.push(row.sid);
    texts.push(text);
  }
  await db.query('DELETE FROM sp_text WHERE param = $2 AND res = ANY($1::int8[])', [sids, TEXT_KIND.content]);
  if (res.length === 0) return;
  await db.query(
    `INSERT INTO sp_text (param, res, tsv)
     SELECT $3, t.res, to_tsvector('simple', t.txt) FROM unnest($1::int8[], $2::text[]) AS t(res, txt)`,
    [res, texts, TEXT_KIND.content],
  );
}

/** The settings the worker follows (config/schema.ts). */
export interface ContentWorkerSettings {
  readonly searchContentIndex: boolean;
  readonly searchContentWorkerIntervalMs: number;
}

/**
 * The background worker of this process for queued `_content` rows (an OutboxWorker on
 * CONTENT_TOPIC): every SEARCH_CONTENT_WORKER_INTERVAL_MS once started, never when
 * `_content` is not indexed at all. `lastActivity`: when this process last served a
 * request; `parallel`: batches at once while no request comes in (each on its own
 * connection: building the text here and the tsvector in PostgreSQL then overlap).
 */
export function contentIndexWorker(pool: Pool, log: Logger, settings: ContentWorkerSettings, options: { lastActivity?: () => number; parallel?: number } = {}): OutboxWorker {
  return new OutboxWorker(pool, CONTENT_TOPIC, (jobs, client) => refreshContentRows(client, sidsOf(jobs)), log, {
    batchSize: 8,
    intervalMs: settings.searchContentIndex ? settings.searchContentWorkerIntervalMs : 0,
    parallel: options.parallel ?? 2,
    ...(options.lastActivity === undefined ? {} : { lastActivity: options.lastActivity }),
  });
}

/**
 * Runs `worker` until no resource waits for its `_content` rows (a job another
 * process holds counts until it commits): the bulk importer before it exits, tests
 * before a `_content` search.
 */
export async function drainContentQueue(pool: Pool, worker: OutboxWorker): Promise<void> {
  for (;;) {
    await worker.runOnce();
    if ((await pendingJobs(pool, CONTENT_TOPIC)) === 0) return;
    await new Promise((r) => setTimeout(r, 20));
  }
}

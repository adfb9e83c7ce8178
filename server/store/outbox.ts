import type { Pool, PoolClient, Queryable } from './db.js';
import { withTransaction } from './db.js';

export { enqueue } from './outbox-enqueue.js';

/**
 * The transactional outbox / job queue shared by background work (DESIGN.md
 * section 7): producers add rows, in their own transaction when the job must
 * exist exactly when a write does; workers in any number of processes claim
 * rows with `FOR UPDATE SKIP LOCKED`, do the work in the same transaction and
 * delete them, so a job is done once or, on failure, retried.
 */
export interface OutboxJob {
  readonly id: string;
  readonly payload: unknown;
  readonly attempts: number;
}

/**
 * Makes commits on this connection return before the WAL reaches the disk
 * (PostgreSQL `synchronous_commit = off`): still atomic and crash-consistent,
 * and safe if the committing process dies, but a crash of PostgreSQL or of the
 * machine can lose the last fraction of a second of such commits.
 */
export async function relaxCommits(client: PoolClient): Promise<void> {
  await client.query('SET synchronous_commit = off');
}

async function claim(client: PoolClient, topic: string, limit: number): Promise<OutboxJob[]> {
  const r = await client.query<{ id: string; payload: unknown; attempts: number }>(
    `SELECT id::text AS id, payload, attempts FROM outbox
      WHERE topic = $1 AND available_at <= now()
      ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED`,
    [topic, limit],
  );
  return r.rows;
}

/**
 * Claims up to `limit` ready jobs of a topic and runs `handle` on them in the
 * same transaction; the jobs are deleted when it succeeds. When it throws, the
 * jobs stay, with their attempt count raised and a back-off, and the error is
 * returned. Returns how many jobs were done.
 */
export async function drainOutbox(
  pool: Pool,
  topic: string,
  limit: number,
  handle: (jobs: readonly OutboxJob[], client: PoolClient) => Promise<void>,
): Promise<{ done: number; error?: unknown }> {
  let ids: string[] = [];
  try {
    const done = await withTransaction(pool, async (client) => {
      const jobs = await claim(client, topic, limit);
      ids = jobs.map((j) => j.id);
      if (jobs.length === 0) return 0;
      await handle(jobs, client);
      await client.query('DELETE FROM outbox WHERE id = ANY($1::bigint[])', [ids]);
      return jobs.length;
    });
    return { done };
  } catch (error) {
    if (ids.length > 0) {
      await pool.query(
        `UPDATE outbox SET attempts = attempts + 1, last_error = $2,
                available_at = now() + make_interval(secs => least(300, power(2, attempts + 1))::int)
          WHERE id = ANY($1::bigint[])`,
        [ids, error instanceof Error ? error.message.slice(0, 500) : 'failed'],
      );
    }
    return { done: 0, error };
  }
}

/** Jobs waiting on a topic (for readiness and tests). */
export async function pendingJobs(db: Queryable, topic: string): Promise<number> {
  const r = await db.query<{ n: number }>('SELECT count(*) AS n FROM outbox WHERE topic = $1', [topic]);
  return r.rows[0]?.n ?? 0;
}

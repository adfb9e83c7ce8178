import type { Queryable } from './db.js';

/**
 * Adds jobs to the outbox (see outbox.ts) in one statement. Run it on a
 * transaction's client to make the jobs exist exactly when that transaction commits.
 */
export async function enqueue(db: Queryable, topic: string, payloads: readonly unknown[]): Promise<void> {
  if (payloads.length === 0) return;
  await db.query({
    name: 'outbox-enqueue',
    text: 'INSERT INTO outbox (topic, payload) SELECT $1, p FROM unnest($2::jsonb[]) AS p',
    values: [topic, payloads.map((p) => JSON.stringify(p))],
  });
}

import type { Queryable } from './db.js';

/**
 * Adds jobs to the outbox (see outbox.ts) in one statement. Run it on a
 * transaction's client to make the jobs exist exactly when that transaction commits.
 */
export async function enqueue(db: Queryable, topic: string, payloads: readonly unknown[]): Promise<void> {
  if (payloads.length === 0) return;
  await db.query({
    name: 'outbox-enqueue',
    // One JSON array parameter: cheaper to send and to split than a text[] of JSON strings.
    text: 'INSERT INTO outbox (topic, payload) SELECT $1, value FROM json_array_elements($2::json)',
    values: [topic, JSON.stringify(payloads)],
  });
}

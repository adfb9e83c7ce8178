import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { createPool, type Pool } from '../../../server/store/db.js';
import { enqueue, pendingJobs } from '../../../server/store/outbox.js';
import { OutboxWorker } from '../../../server/store/outbox-worker.js';
import { testDatabaseUrl } from '../../helpers/server.js';

/** How a background worker shares a topic's backlog between batches at once (OutboxWorker `parallel`). */
describe('outbox worker: batches at once while idle, one at a time while busy', () => {
  let pool: Pool;
  before(() => {
    pool = createPool(testDatabaseUrl(), 6);
  });
  after(async () => {
    await pool.end();
  });

  /** Runs a worker over 8 queued jobs in batches of 2; returns the most batches seen at once and the jobs handled. */
  async function drainWith(lastActivity: () => number): Promise<{ most: number; handled: number[] }> {
    const topic = `test-${randomUUID()}`;
    await enqueue(pool, topic, Array.from({ length: 8 }, (_, i) => ({ n: i })));
    let running = 0;
    let most = 0;
    const handled: number[] = [];
    const worker = new OutboxWorker(
      pool,
      topic,
      async (jobs) => {
        running += 1;
        most = Math.max(most, running);
        await new Promise((r) => setTimeout(r, 40));
        for (const j of jobs) handled.push((j.payload as { n: number }).n);
        running -= 1;
      },
      pino({ level: 'silent' }),
      { intervalMs: 0, batchSize: 2, parallel: 2, busyShare: 0.5, lastActivity },
    );
    while ((await pendingJobs(pool, topic)) > 0) await worker.runOnce();
    return { most, handled: handled.sort((a, b) => a - b) };
  }

  it('idle: two batches at once, each job handled once', async () => {
    const { most, handled } = await drainWith(() => 0);
    expect(most).to.equal(2);
    expect(handled).to.deep.equal([0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it('while requests come in: one batch at a time', async () => {
    const { most, handled } = await drainWith(() => Date.now());
    expect(most).to.equal(1);
    expect(handled).to.deep.equal([0, 1, 2, 3, 4, 5, 6, 7]);
  });
});

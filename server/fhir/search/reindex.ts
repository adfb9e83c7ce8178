/**
 * `$reindex` (issue #3): recomputes the search index rows of existing resources
 * with the parameters now in force (after a custom SearchParameter was added or
 * changed). Type level runs in the background in batches of short transactions
 * that skip rows being written (SKIP LOCKED), so writers never wait on it;
 * progress is kept in the database (search_reindex_job). Instance level is
 * done at once.
 */
import { randomUUID } from 'node:crypto';
import type { ReindexItem, ReindexJob, ReindexStore } from '../../store/search/reindex-store.js';
import type { IndexRows } from '../../store/search/rows.js';

const BATCH = 500;

export class Reindexer {
  private readonly running = new Set<Promise<void>>();

  constructor(
    private readonly store: ReindexStore,
    /** Every index row of a resource, `_content` included (SearchIndexer.allRows). */
    private readonly indexRows: (resource: Record<string, unknown> & { resourceType: string }) => IndexRows,
    /** Waits for the parameters in force to be current before a job starts. */
    private readonly fresh: () => Promise<unknown>,
  ) {}

  private rows(item: ReindexItem): IndexRows {
    return this.indexRows(JSON.parse(item.json) as Record<string, unknown> & { resourceType: string });
  }

  /** Starts reindexing every current resource of a type; returns the job at once. */
  async start(resourceType: string): Promise<ReindexJob> {
    await this.fresh();
    const job = await this.store.createJob(randomUUID(), resourceType);
    const run = this.run(job).finally(() => this.running.delete(run));
    this.running.add(run);
    return job;
  }

  private async run(job: ReindexJob): Promise<void> {
    try {
      while ((await this.store.batch(job.id, job.resourceType, BATCH, (item) => this.rows(item))) > 0) {
        // Let requests in between batches.
        await new Promise((resolve) => setImmediate(resolve));
      }
      await this.store.finish(job.id, null);
    } catch (err) {
      await this.store.finish(job.id, err instanceof Error ? err.message : String(err)).catch(() => undefined);
    }
  }

  job(id: string): Promise<ReindexJob | undefined> {
    return this.store.job(id);
  }

  /** Reindexes one resource now; the number of index rows it has, or undefined when it does not exist. */
  async one(resourceType: string, id: string): Promise<number | undefined> {
    await this.fresh();
    return this.store.one(resourceType, id, (item) => this.rows(item));
  }

  /** Resolves when every job started by this process has ended (tests, shutdown). */
  async idle(): Promise<void> {
    await Promise.all([...this.running]);
  }
}

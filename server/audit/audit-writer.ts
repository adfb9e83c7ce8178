import type { Logger } from 'pino';
import type { Pool, PoolClient } from '../store/db.js';
import { enqueue, relaxCommits } from '../store/outbox.js';
import { AUDIT_TOPIC, type AuditRecord } from './audit-record.js';

/**
 * Durable audit records for reads (and logins, token events) without one
 * INSERT per request: records that arrive while a flush is running are
 * written together by the next one (group commit), and each caller's promise
 * settles only once its record is committed in the outbox. The guard awaits it
 * before the response leaves, so a read the client saw succeed is never
 * missing from the audit trail, even if the process dies right after.
 * Writes do not come here: their record goes into the write's own transaction.
 *
 * Unless `syncCommit`, the records are committed on one connection with
 * `synchronous_commit = off`: the commit is done when PostgreSQL has it, so the
 * server process dying loses nothing, but a PostgreSQL or machine crash could
 * lose the last fraction of a second of read records. Waiting for the disk on
 * every group commit cost about half the read throughput on these machines.
 */
interface Pending {
  readonly record: AuditRecord;
  readonly resolve: () => void;
  readonly reject: (err: unknown) => void;
}

export class AuditWriter {
  private queue: Pending[] = [];
  private flushing: Promise<void> | undefined;
  private client: PoolClient | undefined;

  constructor(
    private readonly pool: Pool,
    private readonly log: Logger,
    private readonly syncCommit = false,
    private readonly maxBatch = 500,
  ) {}

  /** The connection group commits go through (a dedicated one with relaxed commits, unless syncCommit). */
  private async connection(): Promise<Pool | PoolClient> {
    if (this.syncCommit) return this.pool;
    if (this.client === undefined) {
      const c = await this.pool.connect();
      c.on('error', () => undefined);
      await relaxCommits(c);
      this.client = c;
    }
    return this.client;
  }

  /** Resolves once the record is committed to the outbox. */
  record(record: AuditRecord): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ record, resolve, reject });
      this.flushing ??= this.flushLoop();
    });
  }

  private async flushLoop(): Promise<void> {
    // Let the records of requests finishing in the same tick join this batch.
    await new Promise<void>((r) => setImmediate(r));
    while (this.queue.length > 0) {
      const batch = this.queue.slice(0, this.maxBatch);
      this.queue = this.queue.slice(batch.length);
      try {
        await enqueue(await this.connection(), AUDIT_TOPIC, batch.map((p) => p.record));
        for (const p of batch) p.resolve();
      } catch (err) {
        // A broken dedicated connection is dropped; the next batch opens another.
        this.client?.release(true);
        this.client = undefined;
        this.log.error({ err: err instanceof Error ? err.message : String(err), records: batch.length }, 'audit records could not be written');
        for (const p of batch) p.reject(err);
      }
    }
    this.flushing = undefined;
  }

  /** Waits for records already handed over, then returns the dedicated connection. */
  async drain(): Promise<void> {
    while (this.flushing !== undefined) await this.flushing;
    this.client?.release();
    this.client = undefined;
  }
}

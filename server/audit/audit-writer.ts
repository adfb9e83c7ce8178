import type { Logger } from 'pino';
import type { Pool, PoolClient } from '../store/db.js';
import { enqueue, relaxCommits } from '../store/outbox.js';
import { AUDIT_TOPIC, type AuditRecord } from './audit-record.js';

/**
 * Durable audit records for reads (and logins, token events) without one
 * INSERT per request (group commit): records are queued in the process and
 * written by one multi-row INSERT per batch, and each caller's promise settles
 * only once its batch is committed in the outbox. The guard awaits it before
 * the response leaves, so a read the client saw succeed is never missing from
 * the audit trail, even if the process dies right after. A batch that fails
 * rejects every caller in it: none of their requests is answered as if audited.
 * Writes do not come here: their record goes into the write's own transaction.
 *
 * One batch is in flight at a time. A record reaching an idle writer is
 * flushed at once (at the end of the event-loop turn, so the records of
 * requests finishing in the same turn join it); records arriving while a batch
 * is in flight wait for it and go together in the next one. The busier the
 * server, the longer a commit takes and the more records share the next one,
 * so the statements and commits per read fall as load rises (about 12 reads
 * per batch under the auth benchmark's load) while a lone request waits for
 * nothing but its own commit.
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

export interface AuditWriterOptions {
  /** Wait for the WAL flush of every batch (AUDIT_READ_SYNC_COMMIT). */
  readonly syncCommit?: boolean;
  /** Records per INSERT at most. */
  readonly maxBatch?: number;
}

export class AuditWriter {
  private queue: Pending[] = [];
  /** The dedicated connection (relaxed commits), kept between batches. */
  private client: PoolClient | undefined;
  private inFlight = false;
  private scheduled = false;
  private readonly idleWaiters = new Set<() => void>();
  private readonly syncCommit: boolean;
  private readonly maxBatch: number;

  constructor(
    private readonly pool: Pool,
    private readonly log: Logger,
    options: AuditWriterOptions = {},
  ) {
    this.syncCommit = options.syncCommit ?? false;
    this.maxBatch = options.maxBatch ?? 500;
  }

  /** When the last record arrived (ms since epoch): the audit worker yields to requests only while they come. */
  lastRecordAt = 0;

  /** Resolves once the record is committed to the outbox; rejects if its batch could not be written. */
  record(record: AuditRecord): Promise<void> {
    this.lastRecordAt = Date.now();
    return new Promise((resolve, reject) => {
      this.queue.push({ record, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.inFlight || this.queue.length === 0) return;
    this.scheduled = true;
    setImmediate(() => this.start());
  }

  private start(): void {
    this.scheduled = false;
    if (this.inFlight || this.queue.length === 0) return;
    const batch = this.queue.slice(0, this.maxBatch);
    this.queue = this.queue.slice(batch.length);
    this.inFlight = true;
    void this.flush(batch).finally(() => {
      this.inFlight = false;
      this.schedule();
      if (!this.scheduled) for (const w of this.idleWaiters) w();
    });
  }

  private async connection(): Promise<PoolClient> {
    if (this.client !== undefined) return this.client;
    const client = await this.pool.connect();
    try {
      // A dropped connection shows up as the next query's error, which fails that batch.
      client.on('error', () => undefined);
      await relaxCommits(client);
    } catch (err) {
      client.release(true);
      throw err;
    }
    this.client = client;
    return client;
  }

  private async flush(batch: readonly Pending[]): Promise<void> {
    try {
      const db = this.syncCommit ? this.pool : await this.connection();
      await enqueue(db, AUDIT_TOPIC, batch.map((p) => p.record));
    } catch (err) {
      // The dedicated connection may be broken: drop it; the next batch opens another.
      this.client?.release(true);
      this.client = undefined;
      this.log.error({ err: err instanceof Error ? err.message : 'unknown error', records: batch.length }, 'audit records could not be written');
      for (const p of batch) p.reject(err);
      return;
    }
    for (const p of batch) p.resolve();
  }

  /** Waits for the records already handed over, then returns the dedicated connection. */
  async drain(): Promise<void> {
    if (this.inFlight || this.scheduled) {
      await new Promise<void>((resolve) => {
        const w = (): void => {
          this.idleWaiters.delete(w);
          resolve();
        };
        this.idleWaiters.add(w);
      });
    }
    this.client?.release();
    this.client = undefined;
  }
}

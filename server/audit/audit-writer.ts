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

/** Group commits in flight at once: a new batch need not wait for the previous one's commit. */
const LANES = 2;

export class AuditWriter {
  private queue: Pending[] = [];
  /** Idle dedicated connections (relaxed commits), and how many flushes run. */
  private idle: PoolClient[] = [];
  private running = 0;
  private scheduled = false;
  private readonly done = new Set<() => void>();

  constructor(
    private readonly pool: Pool,
    private readonly log: Logger,
    private readonly syncCommit = false,
    private readonly maxBatch = 500,
  ) {}

  /** When the last record arrived (ms since epoch): the audit worker yields to requests only while they come. */
  lastRecordAt = 0;

  /** Resolves once the record is committed to the outbox. */
  record(record: AuditRecord): Promise<void> {
    this.lastRecordAt = Date.now();
    return new Promise((resolve, reject) => {
      this.queue.push({ record, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.running >= LANES || this.queue.length === 0) return;
    this.scheduled = true;
    // Let the records of requests finishing in the same tick join this batch.
    setImmediate(() => {
      this.scheduled = false;
      if (this.running >= LANES || this.queue.length === 0) return;
      const batch = this.queue.slice(0, this.maxBatch);
      this.queue = this.queue.slice(batch.length);
      this.running += 1;
      void this.flush(batch).finally(() => {
        this.running -= 1;
        this.schedule();
        if (this.running === 0 && this.queue.length === 0) for (const d of this.done) d();
      });
      this.schedule();
    });
  }

  private async flush(batch: readonly Pending[]): Promise<void> {
    let client: PoolClient | undefined;
    try {
      if (!this.syncCommit) {
        client = this.idle.pop();
        if (client === undefined) {
          client = await this.pool.connect();
          client.on('error', () => undefined);
          await relaxCommits(client);
        }
      }
      await enqueue(client ?? this.pool, AUDIT_TOPIC, batch.map((p) => p.record));
      if (client !== undefined) this.idle.push(client);
      for (const p of batch) p.resolve();
    } catch (err) {
      // A broken dedicated connection is dropped; the next batch opens another.
      client?.release(true);
      this.log.error({ err: err instanceof Error ? err.message : 'unknown error', records: batch.length }, 'audit records could not be written');
      for (const p of batch) p.reject(err);
    }
  }

  /** Waits for records already handed over, then returns the dedicated connections. */
  async drain(): Promise<void> {
    if (this.running > 0 || this.queue.length > 0 || this.scheduled) {
      await new Promise<void>((resolve) => {
        const d = (): void => {
          this.done.delete(d);
          resolve();
        };
        this.done.add(d);
      });
    }
    for (const c of this.idle) c.release();
    this.idle = [];
  }
}

import type { Logger } from 'pino';
import type { Pool } from '../store/db.js';
import { enqueue } from '../store/outbox.js';
import { AUDIT_TOPIC, type AuditRecord } from './audit-record.js';

/**
 * Durable audit records for reads (and logins, token events) without one
 * INSERT per request: records that arrive while a flush is running are
 * written together by the next one (group commit), and each caller's promise
 * settles only once its record is committed in the outbox. The guard awaits it
 * before the response leaves, so a read the client saw succeed is never
 * missing from the audit trail, even if the process dies right after.
 * Writes do not come here: their record goes into the write's own transaction.
 */
interface Pending {
  readonly record: AuditRecord;
  readonly resolve: () => void;
  readonly reject: (err: unknown) => void;
}

export class AuditWriter {
  private queue: Pending[] = [];
  private flushing: Promise<void> | undefined;

  constructor(
    private readonly pool: Pool,
    private readonly log: Logger,
    private readonly maxBatch = 500,
  ) {}

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
        await enqueue(
          this.pool,
          AUDIT_TOPIC,
          batch.map((p) => p.record),
        );
        for (const p of batch) p.resolve();
      } catch (err) {
        this.log.error({ err: err instanceof Error ? err.message : String(err), records: batch.length }, 'audit records could not be written');
        for (const p of batch) p.reject(err);
      }
    }
    this.flushing = undefined;
  }

  /** Waits for records already handed over. */
  async drain(): Promise<void> {
    while (this.flushing !== undefined) await this.flushing;
  }
}

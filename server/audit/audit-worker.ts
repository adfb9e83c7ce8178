import type { Logger } from 'pino';
import { FhirError } from '../errors/fhir-error.js';
import type { Repository } from '../fhir/repository/repository.js';
import type { Pool } from '../store/db.js';
import { drainOutbox, type OutboxJob } from '../store/outbox.js';
import { toAuditEvent, type AuditSource } from './audit-event.js';
import { AUDIT_TOPIC, type AuditRecord } from './audit-record.js';

/**
 * Turns audit records waiting in the outbox into AuditEvent resources (stored,
 * versioned and searchable like any resource, readable by admins through the
 * FHIR API). Every server process runs one; `FOR UPDATE SKIP LOCKED` shares the
 * work. An outbox row is deleted only after its AuditEvent is committed; the
 * AuditEvent id derives from the row id, so a retry after a crash rewrites the
 * same AuditEvent instead of adding a second one.
 */
export class AuditWorker {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly pool: Pool,
    private readonly repository: Repository,
    private readonly source: AuditSource,
    private readonly log: Logger,
    private readonly intervalMs: number,
    /** When this process last served an audited request (ms since epoch). */
    private readonly lastActivity: () => number = () => 0,
    private readonly batchSize = 200,
  ) {}

  start(): void {
    if (this.timer !== undefined || this.stopped || this.intervalMs === 0) return;
    this.timer = setInterval(() => {
      this.running ??= this.runOnce().then(
        () => {
          this.running = undefined;
        },
        () => {
          this.running = undefined;
        },
      );
    }, this.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** Drains what is ready now; returns how many AuditEvents were written. */
  async runOnce(): Promise<number> {
    let total = 0;
    let started = Date.now();
    for (;;) {
      const { done, error } = await drainOutbox(this.pool, AUDIT_TOPIC, this.batchSize, (jobs) => this.write(jobs));
      if (error !== undefined) {
        this.log.error({ err: error instanceof Error ? error.message : 'unknown error' }, 'audit worker batch failed; will retry');
        return total;
      }
      total += done;
      if (done < this.batchSize || this.stopped) return total;
      // A backlog while requests come in: keep at most half of this process's time for it, so
      // requests keep priority; with no requests, go on at full speed.
      const busy = Date.now() - this.lastActivity() < 1000;
      await new Promise<void>((r) => (busy ? setTimeout(r, Math.min(1000, Date.now() - started)) : setImmediate(r)));
      started = Date.now();
    }
  }

  private async write(jobs: readonly OutboxJob[]): Promise<void> {
    await this.repository.transaction(async (w) => {
      for (const job of jobs) {
        const id = `audit-${job.id}`;
        try {
          await w.create('AuditEvent', { ...toAuditEvent(job.payload as AuditRecord, this.source), id }, { id });
        } catch (err) {
          // Written before a crash that kept its outbox row: it is there already.
          if (!(err instanceof FhirError && err.kind === 'conflict')) throw err;
        }
      }
    });
  }
}

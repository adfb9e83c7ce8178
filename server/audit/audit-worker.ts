import type { Logger } from 'pino';
import { FhirError } from '../errors/fhir-error.js';
import type { Repository } from '../fhir/repository/repository.js';
import { PreparedCreateError, type PreparedCreate } from '../fhir/repository/prepared-create.js';
import type { Pool } from '../store/db.js';
import type { OutboxJob } from '../store/outbox.js';
import { OutboxWorker, type OutboxWorkerOptions } from '../store/outbox-worker.js';
import { toAuditEvent, type AuditSource } from './audit-event.js';
import { AUDIT_TOPIC, type AuditRecord } from './audit-record.js';

export type AuditWorkerOptions = OutboxWorkerOptions;

/** Resources validated and indexed between two turns of the event loop, so requests are not held up for a whole claim. */
const PREPARE_SLICE = 20;

const nextTurn = (): Promise<void> => new Promise((r) => setImmediate(r));

/**
 * Turns audit records waiting in the outbox into AuditEvent resources (stored,
 * versioned and searchable like any resource, readable by admins through the
 * FHIR API), as an OutboxWorker on the audit topic. An outbox row is deleted only
 * after its AuditEvent is committed; the AuditEvent id derives from the row id, so
 * a retry after a crash finds that AuditEvent written instead of adding a second
 * one. A claim's AuditEvents are stored by one multi-row statement (about 2.5 times
 * the one-by-one rate). An AuditEvent costs more to store than a read costs to
 * serve, so the backlog of a burst drains mostly after it (AUDIT_WORKER_BUSY_PERCENT).
 */
export class AuditWorker {
  private readonly worker: OutboxWorker;

  constructor(
    pool: Pool,
    private readonly repository: Repository,
    private readonly source: AuditSource,
    log: Logger,
    options: AuditWorkerOptions,
  ) {
    this.worker = new OutboxWorker(pool, AUDIT_TOPIC, (jobs) => this.write(jobs), log, options);
  }

  start(): void {
    this.worker.start();
  }

  stop(): Promise<void> {
    return this.worker.stop();
  }

  /** Drains what is ready now; returns how many AuditEvents were written. */
  runOnce(): Promise<number> {
    return this.worker.runOnce();
  }

  /**
   * All of a claim's AuditEvents in one multi-row statement. An id already taken
   * means an earlier run wrote that AuditEvent and died before deleting its
   * outbox row: then the claim is written one by one, skipping those.
   */
  private async write(jobs: readonly OutboxJob[]): Promise<void> {
    const events = jobs.map((job) => {
      const id = `audit-${job.id}`;
      return { id, body: { ...toAuditEvent(job.payload as AuditRecord, this.source), id } };
    });
    try {
      await this.repository.transaction(async (w) => {
        const prepared: PreparedCreate[] = [];
        for (const [i, e] of events.entries()) {
          if (i > 0 && i % PREPARE_SLICE === 0) await nextTurn();
          prepared.push(w.prepareCreate('AuditEvent', e.body, e.id));
        }
        await w.createPrepared(prepared);
      });
    } catch (err) {
      if (!(err instanceof PreparedCreateError && isConflict(err.cause))) throw err;
      await this.repository.transaction(async (w) => {
        for (const e of events) {
          try {
            await w.create('AuditEvent', e.body, { id: e.id });
          } catch (one) {
            if (!isConflict(one)) throw one;
          }
        }
      });
    }
  }
}

function isConflict(err: unknown): boolean {
  return err instanceof FhirError && err.kind === 'conflict';
}

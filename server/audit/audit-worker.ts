import type { Logger } from 'pino';
import { FhirError } from '../errors/fhir-error.js';
import type { Repository } from '../fhir/repository/repository.js';
import { PreparedCreateError, type PreparedCreate } from '../fhir/repository/writer.js';
import type { Pool } from '../store/db.js';
import { drainOutbox, type OutboxJob } from '../store/outbox.js';
import { toAuditEvent, type AuditSource } from './audit-event.js';
import { AUDIT_TOPIC, type AuditRecord } from './audit-record.js';

export interface AuditWorkerOptions {
  /** How often to look for records (ms); 0: never (another process does the work). */
  readonly intervalMs: number;
  /** When this process last served an audited request (ms since epoch). */
  readonly lastActivity?: () => number;
  /** Outbox rows claimed (and AuditEvents stored) per transaction. */
  readonly batchSize?: number;
  /** While requests come in, the share of this process's time a backlog may take, (0, 1] (AUDIT_WORKER_BUSY_PERCENT). */
  readonly busyShare?: number;
}

/** Resources validated and indexed between two turns of the event loop, so requests are not held up for a whole claim. */
const PREPARE_SLICE = 20;

const nextTurn = (): Promise<void> => new Promise((r) => setImmediate(r));

/**
 * Turns audit records waiting in the outbox into AuditEvent resources (stored,
 * versioned and searchable like any resource, readable by admins through the
 * FHIR API). Every server process runs one; `FOR UPDATE SKIP LOCKED` shares the
 * work. An outbox row is deleted only after its AuditEvent is committed; the
 * AuditEvent id derives from the row id, so a retry after a crash finds that
 * AuditEvent written instead of adding a second one. A claim's AuditEvents are
 * stored by one multi-row statement (about 2.5 times the one-by-one rate).
 * While requests keep arriving, a backlog gets at most `busyShare` of the
 * process's time: an AuditEvent costs more to store than a read costs to serve,
 * so the backlog of a burst drains mostly after it.
 */
export class AuditWorker {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;

  private readonly intervalMs: number;
  private readonly lastActivity: () => number;
  private readonly batchSize: number;
  private readonly busyShare: number;

  constructor(
    private readonly pool: Pool,
    private readonly repository: Repository,
    private readonly source: AuditSource,
    private readonly log: Logger,
    options: AuditWorkerOptions,
  ) {
    this.intervalMs = options.intervalMs;
    this.lastActivity = options.lastActivity ?? (() => 0);
    this.batchSize = options.batchSize ?? 200;
    this.busyShare = options.busyShare ?? 0.1;
  }

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
      // A backlog while requests come in: keep at most busyShare of this process's time for it, so
      // requests keep priority (the backlog drains when they let up); with no requests, full speed.
      const busy = Date.now() - this.lastActivity() < 1000;
      const pause = ((Date.now() - started) * (1 - this.busyShare)) / this.busyShare;
      await new Promise<void>((r) => (busy ? setTimeout(r, Math.min(5000, pause)) : setImmediate(r)));
      started = Date.now();
    }
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

import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import type { Issue } from '../../../errors/issue.js';
import type { JsonObject } from '../../model/json-object.js';
import type { FromThread, ThreadData, ThreadItem, ToThread } from './messages.js';

export interface ValidationThreadsOptions {
  readonly count: number;
  readonly unknownProfile: 'warning' | 'error';
  readonly requiredProfiles: ReadonlyMap<string, readonly string[]>;
  readonly log: Logger;
  /** How long after a thread dies it is started again (default RESTART_MS). */
  readonly restartMs?: number;
}

/** Smaller runs are validated on the request thread: the round trip would cost more than it saves. */
const MIN_ITEMS = 8;
/** A thread that died is started again after this long (its work went back to the request thread). */
const RESTART_MS = 5000;

/** A batch sent to a thread; resolved with undefined when the thread dies before answering. */
type Pending = (issues: Issue[][] | undefined) => void;

interface Slot {
  readonly worker: Worker;
  ready: boolean;
  readonly pending: Map<number, Pending>;
}

/**
 * Worker threads running the full validation of bulk writes (VALIDATION_THREADS).
 * Validation is about a third of the request thread's work per resource in a
 * Synthea load; a transaction Bundle's run of creates is validated here while the
 * request thread links and indexes the next run. Each thread holds its own
 * definitions and the conformance resources the request thread last loaded from
 * the database (setRuntime, sent before any later batch, so a batch is validated
 * against what the request thread knew when it sent it). Until a thread is ready,
 * and when one dies, offer() declines and the request thread validates the items
 * itself (Conformance.many): a thread only changes where the work runs, never the
 * answer. The threads start loading their definitions at once, in parallel with
 * the request thread's own start-up.
 */
export class ValidationThreads {
  private readonly slots: Slot[] = [];
  private runtime: readonly JsonObject[] = [];
  private nextId = 1;
  private stopped = false;

  constructor(private readonly options: ValidationThreadsOptions) {}

  start(): void {
    for (let i = 0; i < this.options.count; i += 1) this.spawn();
  }

  /** Resolves once every thread started has loaded its definitions (tests and benchmarks wait for it). */
  async ready(): Promise<void> {
    while (this.slots.some((s) => !s.ready)) await new Promise((r) => setTimeout(r, 20));
  }

  /** The conformance resources loaded from the database, for every thread (now and when restarted). */
  setRuntime(resources: readonly JsonObject[]): void {
    this.runtime = resources;
    for (const s of this.slots) this.send(s, { kind: 'runtime', resources });
  }

  /**
   * The issues of each item, from the least busy ready thread; undefined when no
   * thread takes the batch (too small, none ready, or its thread died meanwhile).
   */
  offer(items: readonly ThreadItem[]): Promise<Issue[][] | undefined> {
    const slot = items.length >= MIN_ITEMS ? this.leastBusy() : undefined;
    if (slot === undefined) return Promise.resolve(undefined);
    const id = this.nextId++;
    return new Promise((resolve) => {
      slot.pending.set(id, resolve);
      this.send(slot, { kind: 'validate', id, items: items.map((i): ThreadItem => ({ resourceType: i.resourceType, content: i.content })) });
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }

  private leastBusy(): Slot | undefined {
    let best: Slot | undefined;
    for (const s of this.slots) if (s.ready && (best === undefined || s.pending.size < best.pending.size)) best = s;
    return best;
  }

  private send(slot: Slot, message: ToThread): void {
    slot.worker.postMessage(message);
  }

  private spawn(): void {
    const data: ThreadData = {
      entry: new URL('./validation-thread.ts', import.meta.url).href,
      unknownProfile: this.options.unknownProfile,
      requiredProfiles: [...this.options.requiredProfiles],
    };
    const worker = new Worker(new URL('./bootstrap.mjs', import.meta.url), { workerData: data });
    // A thread must not keep the process alive (the CLI exits when its work is done).
    worker.unref();
    const slot: Slot = { worker, ready: false, pending: new Map() };
    this.slots.push(slot);
    this.send(slot, { kind: 'runtime', resources: this.runtime });
    worker.on('message', (m: FromThread) => {
      if (m.kind === 'ready') {
        slot.ready = true;
        return;
      }
      const resolve = slot.pending.get(m.id);
      slot.pending.delete(m.id);
      resolve?.(m.issues.map((issues) => [...issues]));
    });
    worker.on('error', (err) => this.options.log.error({ err }, 'validation thread failed'));
    worker.on('exit', (code) => this.exited(slot, code));
  }

  private exited(slot: Slot, code: number): void {
    this.slots.splice(this.slots.indexOf(slot), 1);
    for (const resolve of slot.pending.values()) resolve(undefined);
    slot.pending.clear();
    if (this.stopped) return;
    const restartMs = this.options.restartMs ?? RESTART_MS;
    this.options.log.warn({ code, restartMs }, 'validation thread stopped; validating on the request thread until it is restarted');
    setTimeout(() => {
      if (!this.stopped) this.spawn();
    }, restartMs).unref();
  }
}

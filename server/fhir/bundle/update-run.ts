import { MAX_PER_STATEMENT } from '../../store/insert-many.js';
import type { PreparedUpdate } from '../repository/writer.js';
import { namedEntryError, namedRunError, namedSync } from './entry-error.js';
import { mapLinks, withConditionals, type EntryContext } from './entry-executor.js';
import type { EntryRequest } from './entry-request.js';
import type { EntryOutcome } from './types.js';

interface Waiting {
  readonly e: EntryRequest;
  readonly id: string;
  readonly prepared: PreparedUpdate;
}

/**
 * A run of updates of a transaction to resources known when it began: `PUT Type/id`
 * and conditional updates whose criteria found their resource when the targets were
 * bound (http.html#trules), the upsert of a feed that sends whole records again.
 * They are written together (TransactionWriter.updatePrepared: one statement to lock,
 * one to write, one to check the criteria again) instead of three statements each;
 * when the run cannot be written with the result of one by one, nothing of it is,
 * and each entry goes its own way (`alone`). An entry with a conditional reference
 * has the run written first, so it resolves against the writes before it, and an
 * entry that fails has the run before it written first, so the failure reported is
 * that of the first failing entry.
 */
export class UpdateRun {
  private readonly waiting: Waiting[] = [];
  /** `Type/id` of the waiting updates. */
  private readonly targets = new Set<string>();

  constructor(
    private readonly ctx: EntryContext,
    private readonly settle: (e: EntryRequest, o: EntryOutcome) => void,
    private readonly alone: (e: EntryRequest, id: string) => Promise<void>,
  ) {}

  /** True for a PUT without If-Match to a known id, or a conditional update bound to its match (`matched`). */
  static accepts(e: EntryRequest, matched: ReadonlySet<number>): boolean {
    return e.method === 'PUT' && e.ifMatch === undefined && e.resource !== undefined && (e.id !== undefined || matched.has(e.index));
  }

  async add(e: EntryRequest, id: string): Promise<void> {
    const resource = e.resource;
    if (resource === undefined) throw new Error(`entry ${e.index}: PUT without a resource passed parsing`);
    try {
      const first = mapLinks(this.ctx, e, resource);
      // A resource written twice is the transaction's error (http.html#trules), reported once the first is written.
      if (first.pending.length > 0 || this.targets.has(`${e.resourceType}/${id}`)) await this.flush();
      const body = await withConditionals(this.ctx, e, resource, first);
      const criteria = e.id === undefined && e.query !== undefined ? { resourceType: e.resourceType, query: e.query } : undefined;
      this.waiting.push({ e, id, prepared: this.ctx.writer.prepareUpdate(e.resourceType, id, body, criteria) });
      this.targets.add(`${e.resourceType}/${id}`);
    } catch (err) {
      await this.flush();
      throw namedEntryError(err, e.index, e.label);
    }
    if (this.waiting.length >= MAX_PER_STATEMENT) await this.flush();
  }

  /** Writes everything waiting. */
  async flush(): Promise<void> {
    const run = this.waiting.splice(0);
    this.targets.clear();
    if (run.length === 0) return;
    let written;
    try {
      written = run.length > 1 ? await this.ctx.writer.updatePrepared(run.map((r) => r.prepared)) : undefined;
    } catch (err) {
      throw namedRunError(run, err);
    }
    if (written === undefined) {
      for (const r of run) await this.alone(r.e, r.id);
      return;
    }
    run.forEach((r, i) => {
      const w = written[i];
      if (w !== undefined) namedSync(r.e, () => this.settle(r.e, { kind: 'written', written: w }));
    });
  }
}

import type { NewResource } from '../../store/insert-many.js';
import type { VersionInfo } from '../../store/types.js';

interface Waiting {
  readonly item: NewResource;
  resolve(v: VersionInfo): void;
  reject(err: unknown): void;
}

/** Stores many new resources at once; undefined where an id was taken (ResourceStore.createMany). */
export type WriteMany = (items: readonly NewResource[]) => Promise<(VersionInfo | undefined)[]>;

/**
 * Group commit for plain creates (POST without conditions). A create that finds a
 * free slot is written at once, alone, so a quiet server adds no latency; creates
 * arriving while `maxInFlight` statements are running queue up and go together in
 * the next multi-row statement. Under load this shares the per-statement cost
 * (round trip, executor start, commit) among many creates, which is most of what
 * a create costs the database (store/insert-many.ts has the figures).
 *
 * Each create still answers only after its own row is committed, and one create's
 * failure never fails another: a batch statement that fails is retried one
 * resource at a time, so only the create that caused it gets the error.
 */
export class CreateBatcher {
  private readonly queue: Waiting[] = [];
  private inFlight = 0;

  constructor(
    private readonly write: WriteMany,
    /** Statements running at once: enough to keep both PostgreSQL and Node busy. */
    private readonly maxInFlight = 2,
    private readonly maxBatch = 100,
  ) {}

  create(item: NewResource): Promise<VersionInfo> {
    return new Promise<VersionInfo>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.inFlight < this.maxInFlight && this.queue.length > 0) {
      const batch = this.queue.splice(0, this.maxBatch);
      this.inFlight += 1;
      void this.flush(batch).finally(() => {
        this.inFlight -= 1;
        this.pump();
      });
    }
  }

  private async flush(batch: readonly Waiting[]): Promise<void> {
    let versions: (VersionInfo | undefined)[];
    try {
      versions = await this.write(batch.map((w) => w.item));
    } catch (err) {
      if (batch.length === 1) {
        batch[0]?.reject(err);
        return;
      }
      await Promise.all(batch.map((w) => this.flush([w])));
      return;
    }
    batch.forEach((w, i) => {
      const v = versions[i];
      if (v !== undefined) w.resolve(v);
      else w.reject(new Error(`create: id collision on ${w.item.resourceType}/${w.item.id}`));
    });
  }
}

import type { JsonObject } from '../fhir/model/json-object.js';
import { CONFORMANCE_TYPES, MapLayer } from './layers.js';
import type { ConformanceRegistry } from './registry.js';

/**
 * Keeps the registry's runtime layer (StructureDefinitions, ValueSets, CodeSystems,
 * ConceptMaps written to this server) in step with the database.
 *
 * Several server processes may share one database, so a process cannot rely on hearing
 * about every write: before using the layer it compares a cheap stamp of those resources in
 * the database (row count and sum of version ids of the four types: every committed create,
 * update or delete changes it, whatever the commit order) with the stamp it loaded, at most
 * once per `refreshMs`; on a change it reloads them all. A write made by this process marks
 * the layer stale at once, so the next use re-checks without waiting for the interval.
 */

export interface ConformanceRows {
  /** Changes whenever a resource of one of the types is created, updated or deleted. */
  stamp(types: readonly string[]): Promise<string>;
  /** The current (not deleted) resources of the types. */
  current(types: readonly string[]): Promise<JsonObject[]>;
}

export class ConformanceCache {
  private loadedStamp: string | undefined;
  private checkedAt = Number.NEGATIVE_INFINITY;
  private stale = true;
  private inflight: Promise<void> | undefined;
  private readonly listeners: ((resources: readonly JsonObject[]) => void)[] = [];

  constructor(
    private readonly registry: ConformanceRegistry,
    private readonly rows: ConformanceRows,
    private readonly refreshMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Makes sure the runtime layer reflects the database (cheap unless something changed). */
  async ensureFresh(): Promise<void> {
    if (!this.stale && this.now() - this.checkedAt < this.refreshMs) return;
    this.inflight ??= this.check().finally(() => {
      this.inflight = undefined;
    });
    await this.inflight;
  }

  /** Calls `listener` with the resources each time the layer is reloaded (validation threads keep a copy). */
  onReload(listener: (resources: readonly JsonObject[]) => void): void {
    this.listeners.push(listener);
  }

  /** After a committed write: resources of these types changed (others are ignored). */
  written(types: Iterable<string>): void {
    for (const t of types) {
      if ((CONFORMANCE_TYPES as readonly string[]).includes(t)) this.stale = true;
    }
  }

  private async check(): Promise<void> {
    const stamp = await this.rows.stamp(CONFORMANCE_TYPES);
    this.checkedAt = this.now();
    this.stale = false;
    if (stamp === this.loadedStamp) return;
    const resources = await this.rows.current(CONFORMANCE_TYPES);
    this.registry.replaceRuntime(new MapLayer(resources));
    this.loadedStamp = stamp;
    for (const listener of this.listeners) listener(resources);
  }
}

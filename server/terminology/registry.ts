import type { JsonObject } from '../fhir/model/json-object.js';
import { MapLayer, splitCanonical, type ConformanceLayer, type ConformanceType } from './layers.js';

/**
 * Resolves canonical URLs of StructureDefinitions, ValueSets, CodeSystems and ConceptMaps
 * over three layers, first match wins: the official R4 package (its core definitions cannot
 * be replaced: a resource written with one of their URLs is stored, but R4's stays in use, so
 * that no write can change what "a valid Patient" means), then resources written to this
 * server at runtime (from the database), then the files we ship (profiles/, terminology/),
 * which a deployment may thus replace through the API.
 *
 * `generation` changes whenever the runtime layer is replaced, so that caches built from
 * resolved resources (expansions, compiled profiles) know when to start again.
 */
export class ConformanceRegistry {
  private runtime: ConformanceLayer = new MapLayer();
  private gen = 0;

  constructor(
    private readonly core: ConformanceLayer,
    private readonly shipped: ConformanceLayer,
  ) {
    this.layerList = [core, this.runtime, shipped];
  }

  /** In precedence order; a new array only when the runtime layer changes (resolve runs per Coding validated). */
  private layerList: readonly ConformanceLayer[];

  get generation(): number {
    return this.gen;
  }

  /** Swaps in a new set of runtime resources (after a write, or a change seen in the database). */
  replaceRuntime(layer: ConformanceLayer): void {
    this.runtime = layer;
    this.layerList = [this.core, this.runtime, this.shipped];
    this.gen++;
  }

  /** `url` may carry `|version` (https://hl7.org/fhir/R4/references.html#canonical). */
  resolve(type: ConformanceType, canonical: string): JsonObject | undefined {
    if (!canonical.includes('|')) return this.resolveVersion(type, canonical, undefined);
    const [url, version] = splitCanonical(canonical);
    return this.resolveVersion(type, url, version);
  }

  private resolveVersion(type: ConformanceType, url: string, version: string | undefined): JsonObject | undefined {
    for (const layer of this.layerList) {
      const r = layer.find(type, url, version);
      if (r !== undefined) return r;
    }
    // A version we do not hold: the newest we hold, rather than nothing.
    return version === undefined ? undefined : this.resolve(type, url);
  }

  /** A resource we ship or the R4 package holds, by logical id (the database is asked first by callers). */
  byId(type: ConformanceType, id: string): JsonObject | undefined {
    for (const layer of [this.shipped, this.core]) {
      const r = layer.byId(type, id);
      if (r !== undefined) return r;
    }
    return undefined;
  }

  /** Every resource of a type, in precedence order (duplicates by URL keep the first). */
  list(type: ConformanceType): readonly JsonObject[] {
    const seen = new Set<string>();
    const out: JsonObject[] = [];
    for (const layer of this.layerList) {
      for (const r of layer.list(type)) {
        const key = `${String(r['url'])}|${String(r['version'])}`;
        if (seen.has(key)) continue;
        seen.add(key);
        out.push(r);
      }
    }
    return out;
  }
}

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isJsonObject, stringProp, type JsonObject } from '../fhir/model/json-object.js';

/**
 * The four kinds of conformance resource the server resolves by canonical URL
 * (https://hl7.org/fhir/R4/references.html#canonical).
 */
export const CONFORMANCE_TYPES = ['StructureDefinition', 'ValueSet', 'CodeSystem', 'ConceptMap'] as const;
export type ConformanceType = (typeof CONFORMANCE_TYPES)[number];

export function isConformanceType(type: string): type is ConformanceType {
  return (CONFORMANCE_TYPES as readonly string[]).includes(type);
}

/** One source of conformance resources: the R4 package, the files we ship, or the database. */
export interface ConformanceLayer {
  /** The resource with that canonical URL (and version, when given), if this layer holds it. */
  find(type: ConformanceType, url: string, version?: string): JsonObject | undefined;
  /** Every resource of a type this layer holds (loads them all: used for ConceptMaps). */
  list(type: ConformanceType): readonly JsonObject[];
  /** A resource by its logical id (instance-level operations on resources we ship). */
  byId(type: ConformanceType, id: string): JsonObject | undefined;
}

/** `url|version` → [url, version]. */
export function splitCanonical(canonical: string): [string, string | undefined] {
  const bar = canonical.indexOf('|');
  return bar < 0 ? [canonical, undefined] : [canonical.slice(0, bar), canonical.slice(bar + 1)];
}

/** Picks the requested version, else the last one added (newest wins). */
export function pickVersion(candidates: readonly JsonObject[] | undefined, version: string | undefined): JsonObject | undefined {
  if (candidates === undefined || candidates.length === 0) return undefined;
  if (version === undefined) return candidates[candidates.length - 1];
  return candidates.find((c) => c['version'] === version);
}

/** An in-memory layer (shipped files, runtime resources from the database). */
export class MapLayer implements ConformanceLayer {
  private readonly byType = new Map<ConformanceType, Map<string, JsonObject[]>>();

  constructor(resources: Iterable<JsonObject> = []) {
    for (const r of resources) this.add(r);
  }

  add(resource: JsonObject): void {
    const type = resource['resourceType'];
    const url = stringProp(resource, 'url');
    if (typeof type !== 'string' || !isConformanceType(type) || url === undefined) return;
    let urls = this.byType.get(type);
    if (urls === undefined) {
      urls = new Map();
      this.byType.set(type, urls);
    }
    const list = urls.get(url) ?? [];
    list.push(resource);
    urls.set(url, list);
  }

  find(type: ConformanceType, url: string, version?: string): JsonObject | undefined {
    return pickVersion(this.byType.get(type)?.get(url), version);
  }

  list(type: ConformanceType): readonly JsonObject[] {
    return [...(this.byType.get(type)?.values() ?? [])].flat();
  }

  byId(type: ConformanceType, id: string): JsonObject | undefined {
    return this.list(type).find((r) => r['id'] === id);
  }

  get size(): number {
    let n = 0;
    for (const urls of this.byType.values()) for (const list of urls.values()) n += list.length;
    return n;
  }
}

/** Every conformance resource in the JSON files of a directory (one resource or a Bundle per file). */
export function readDirectoryLayer(dir: string): MapLayer {
  const layer = new MapLayer();
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.json')).sort();
  } catch {
    return layer;
  }
  for (const file of files) {
    const json: unknown = JSON.parse(readFileSync(join(dir, file), 'utf8'));
    if (!isJsonObject(json)) continue;
    if (json['resourceType'] === 'Bundle' && Array.isArray(json['entry'])) {
      for (const e of json['entry']) if (isJsonObject(e) && isJsonObject(e['resource'])) layer.add(e['resource']);
    } else {
      layer.add(json);
    }
  }
  return layer;
}

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isJsonObject, stringProp, type JsonObject } from '../fhir/model/json-object.js';
import { r4PackageDirectory } from '../fhir/model/r4-structure-definitions.js';
import { isConformanceType, pickVersion, type ConformanceLayer, type ConformanceType } from './layers.js';

/**
 * The conformance resources of the official R4 package `hl7.fhir.r4.examples@4.0.1`
 * (https://hl7.org/fhir/R4/downloads.html): every StructureDefinition (types, profiles,
 * extensions), ValueSet and CodeSystem of FHIR R4 (including the HL7 v2 tables and the v3
 * code systems, https://hl7.org/fhir/R4/terminologies-v2.html), and its ConceptMaps.
 *
 * Files are named after the resource id, not its URL (83 code systems differ), so the index
 * is built by reading every file once (~0.5 s, at first use); the resources themselves are
 * parsed again on demand and kept once used.
 */
export class PackageLayer implements ConformanceLayer {
  private readonly files = new Map<ConformanceType, Map<string, string[]>>();
  private readonly loaded = new Map<string, JsonObject>();

  constructor(private readonly dir: string) {
    for (const file of readdirSync(dir)) {
      const dash = file.indexOf('-');
      const type = file.slice(0, dash);
      if (dash < 0 || !file.endsWith('.json') || !isConformanceType(type)) continue;
      const json: unknown = JSON.parse(readFileSync(join(dir, file), 'utf8'));
      const url = isJsonObject(json) ? stringProp(json, 'url') : undefined;
      if (url === undefined) continue;
      let urls = this.files.get(type);
      if (urls === undefined) {
        urls = new Map();
        this.files.set(type, urls);
      }
      urls.set(url, [...(urls.get(url) ?? []), file]);
    }
  }

  private load(file: string): JsonObject | undefined {
    let r = this.loaded.get(file);
    if (r === undefined) {
      const json: unknown = JSON.parse(readFileSync(join(this.dir, file), 'utf8'));
      if (!isJsonObject(json)) return undefined;
      r = json;
      this.loaded.set(file, r);
    }
    return r;
  }

  find(type: ConformanceType, url: string, version?: string): JsonObject | undefined {
    const files = this.files.get(type)?.get(url);
    if (files === undefined) return undefined;
    const candidates = files.map((f) => this.load(f)).filter((r): r is JsonObject => r !== undefined);
    return pickVersion(candidates, version);
  }

  list(type: ConformanceType): readonly JsonObject[] {
    const out: JsonObject[] = [];
    for (const files of this.files.get(type)?.values() ?? []) {
      for (const f of files) {
        const r = this.load(f);
        if (r !== undefined) out.push(r);
      }
    }
    return out;
  }

  /** The package names each file `Type-id.json`. */
  byId(type: ConformanceType, id: string): JsonObject | undefined {
    if (!/^[A-Za-z0-9\-.]{1,64}$/.test(id)) return undefined;
    const file = `${type}-${id}.json`;
    if (!existsSync(join(this.dir, file))) return undefined;
    const r = this.load(file);
    return r?.['id'] === id ? r : undefined;
  }

  /** Canonical URLs of a type, without loading the resources. */
  urls(type: ConformanceType): readonly string[] {
    return [...(this.files.get(type)?.keys() ?? [])];
  }
}

let shared: PackageLayer | undefined;

/** One index per process: the package never changes while the server runs. */
export function r4PackageLayer(): PackageLayer {
  shared ??= new PackageLayer(r4PackageDirectory());
  return shared;
}

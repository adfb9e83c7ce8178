import type { ConformanceRegistry } from '../../../terminology/registry.js';
import { arrayProp, isJsonObject, stringProp, type JsonObject } from '../../model/json-object.js';
import { generateSnapshot } from '../snapshot/generate-snapshot.js';
import { compileProfile, type InheritedRules } from './compile.js';
import type { CompiledProfile } from './compiled-types.js';
import type { DefinitionSource } from './instance-walker.js';

/**
 * StructureDefinitions by canonical URL, compiled on first use: the R4 base types from the
 * official package (never replaced at runtime), profiles and extensions from the registry
 * (what we ship, what was written to the server). A definition without a snapshot gets one
 * generated from its differential. Compiled results are cached per resource object, so a
 * definition written again (a new object) is compiled again.
 */

const CORE = 'http://hl7.org/fhir/StructureDefinition/';

const compiled = new WeakMap<JsonObject, CompiledProfile | null>();
const snapshots = new WeakMap<JsonObject, { sd: JsonObject; errors: string[] }>();
const pathIndexes = new WeakMap<JsonObject, Map<string, JsonObject>>();

function hasSnapshot(sd: JsonObject): boolean {
  const s = sd['snapshot'];
  return isJsonObject(s) && arrayProp(s, 'element').length > 0;
}

export class StructureDefinitions implements DefinitionSource {
  private readonly baseTypes = new Map<string, CompiledProfile | null>();
  private readonly inherited: InheritedRules = { baseElement: (el) => this.baseElement(el) };

  constructor(private readonly registry: ConformanceRegistry) {}

  /** The raw StructureDefinition, with a snapshot (generated if it had none). */
  withSnapshot(url: string, depth = 0): JsonObject | undefined {
    const sd = this.registry.resolve('StructureDefinition', url);
    if (sd === undefined) return undefined;
    return hasSnapshot(sd) ? sd : this.generated(sd, depth).sd;
  }

  /** Snapshot generation problems of a definition without a snapshot (empty when it has one). */
  snapshotErrors(sd: JsonObject): readonly string[] {
    return hasSnapshot(sd) ? [] : this.generated(sd, 0).errors;
  }

  private generated(sd: JsonObject, depth: number): { sd: JsonObject; errors: string[] } {
    let hit = snapshots.get(sd);
    if (hit === undefined) {
      let result: { elements: JsonObject[]; errors: string[] };
      try {
        result =
          depth > 10
            ? { elements: [], errors: ['The chain of base definitions is too deep (or circular)'] }
            : generateSnapshot(sd, { withSnapshot: (u) => this.withSnapshot(u, depth + 1) });
      } catch (err: unknown) {
        result = { elements: [], errors: [`Snapshot generation failed: ${err instanceof Error ? err.message : String(err)}`] };
      }
      hit = { sd: { ...sd, snapshot: { element: result.elements } }, errors: result.errors };
      snapshots.set(sd, hit);
    }
    return hit;
  }

  baseType(type: string): CompiledProfile | undefined {
    let hit = this.baseTypes.get(type);
    if (hit === undefined) {
      const sd = this.registry.resolve('StructureDefinition', `${CORE}${type}`);
      hit = sd === undefined || sd['derivation'] === 'constraint' ? null : (compileProfile(sd, this.inherited) ?? null);
      this.baseTypes.set(type, hit);
    }
    return hit ?? undefined;
  }

  profile(url: string): CompiledProfile | undefined {
    const raw = this.registry.resolve('StructureDefinition', url);
    if (raw === undefined) return undefined;
    let hit = compiled.get(raw);
    if (hit === undefined) {
      const sd = hasSnapshot(raw) ? raw : this.generated(raw, 0).sd;
      try {
        hit = compileProfile(sd, this.inherited) ?? null;
      } catch {
        hit = null; // a definition we cannot read is treated as unknown
      }
      compiled.set(raw, hit);
    }
    return hit ?? undefined;
  }

  typeOfProfile(url: string): string | undefined {
    const bare = url.split('|')[0] ?? url;
    if (bare.startsWith(CORE)) {
      const name = bare.slice(CORE.length);
      if (this.baseType(name) !== undefined) return name;
    }
    const sd = this.registry.resolve('StructureDefinition', url);
    return sd === undefined ? undefined : stringProp(sd, 'type');
  }

  /** The base type's element a profile element derives from (ElementDefinition.base.path). */
  private baseElement(el: JsonObject): JsonObject | undefined {
    const base = el['base'];
    const path = isJsonObject(base) ? stringProp(base, 'path') : undefined;
    if (path === undefined) return undefined;
    const type = path.split('.')[0] ?? path;
    const sd = this.registry.resolve('StructureDefinition', `${CORE}${type}`);
    if (sd === undefined) return undefined;
    let index = pathIndexes.get(sd);
    if (index === undefined) {
      index = new Map();
      const snapshot = sd['snapshot'];
      for (const e of isJsonObject(snapshot) ? arrayProp(snapshot, 'element') : []) {
        if (isJsonObject(e) && typeof e['path'] === 'string' && e['sliceName'] === undefined) index.set(e['path'], e);
      }
      pathIndexes.set(sd, index);
    }
    return index.get(path);
  }
}

import { isJsonObject, type JsonObject } from '../model/json-object.js';
import { r4TypeDefinitions } from '../model/r4-structure-definitions.js';
import { buildElementTables, type ElementTables } from '../validation/element-tables.js';

/**
 * Where a link to another Bundle entry can sit (https://hl7.org/fhir/R4/http.html#trules):
 * `Reference.reference`, elements of type uri / url / oid / uuid, and `href` / `src`
 * attributes in narrative XHTML. `canonical` is deliberately absent: the spec excludes it.
 */
export type LinkKind = 'reference' | 'uri' | 'xhtml';

/** Returns the value to store in place of `value` (the same string when unchanged). */
export type LinkMapper = (value: string, kind: LinkKind) => string;

const URI_TYPES: ReadonlySet<string> = new Set(['uri', 'url', 'oid', 'uuid']);

function linkKind(tableKey: string, name: string, type: string): LinkKind | undefined {
  if (tableKey === 'Reference' && name === 'reference') return 'reference';
  if (URI_TYPES.has(type)) return 'uri';
  return type === 'xhtml' ? 'xhtml' : undefined;
}

/** Applies `f` to a single value or to each item of an array; keeps the same object when nothing changed. */
function mapEach(value: unknown, f: (v: unknown) => unknown): unknown {
  if (!Array.isArray(value)) return f(value);
  let out: unknown[] | undefined;
  for (let i = 0; i < value.length; i += 1) {
    const item: unknown = value[i];
    const next = f(item);
    if (next !== item) {
      out ??= value.slice();
      out[i] = next;
    }
  }
  return out ?? value;
}

/**
 * Walks a resource with the R4 element tables, so that each JSON property is known by
 * its FHIR type: references inside contained resources, extensions (also on
 * primitives, `_name`), backbone elements and nested resources are all found, and
 * look-alike strings (an Identifier.value of `urn:uuid:...`) are left alone.
 */
export class LinkWalker {
  private constructor(private readonly tables: ElementTables) {}

  /** Builds the tables from the R4 definitions (tens of milliseconds; definitions are cached per process). */
  static fromR4Definitions(): LinkWalker {
    return new LinkWalker(buildElementTables(r4TypeDefinitions()));
  }

  /**
   * The resource with every link passed through `f`: the same object when `f`
   * changed nothing, otherwise a copy sharing the unchanged parts (the input is
   * never modified, so a retried transaction starts again from the original).
   */
  map(resource: JsonObject, f: LinkMapper): JsonObject {
    const type = resource['resourceType'];
    return typeof type === 'string' ? this.walk(resource, type, f) : resource;
  }

  /** Every link value in the resource, in document order. */
  collect(resource: JsonObject): { value: string; kind: LinkKind }[] {
    const found: { value: string; kind: LinkKind }[] = [];
    this.map(resource, (value, kind) => {
      found.push({ value, kind });
      return value;
    });
    return found;
  }

  private walk(obj: JsonObject, tableKey: string, f: LinkMapper): JsonObject {
    const table = this.tables.tables.get(tableKey);
    if (table === undefined) return obj;
    let out: JsonObject | undefined;
    // for-in, not Object.keys: no array per object (JSON objects have no inherited enumerable keys).
    for (const key in obj) {
      const value = obj[key];
      const twin = key.startsWith('_');
      const spec = table.children.get(twin ? key.slice(1) : key);
      if (spec === undefined) continue;
      let next: unknown;
      if (twin) {
        // A primitive's extension twin (https://hl7.org/fhir/R4/json.html#primitive) is an Element.
        next = mapEach(value, (v) => (isJsonObject(v) ? this.walk(v, 'Element', f) : v));
      } else if (spec.resource) {
        next = mapEach(value, (v) => (isJsonObject(v) ? this.map(v, f) : v));
      } else if (spec.primitive) {
        const kind = linkKind(tableKey, key, spec.type);
        if (kind === undefined) continue;
        next = mapEach(value, (v) => (typeof v === 'string' ? f(v, kind) : v));
      } else if (spec.table !== undefined) {
        const child = spec.table;
        next = mapEach(value, (v) => (isJsonObject(v) ? this.walk(v, child, f) : v));
      } else {
        continue;
      }
      if (next !== value) {
        out ??= { ...obj };
        out[key] = next;
      }
    }
    return out ?? obj;
  }
}

import { isJsonObject, type JsonObject } from '../model/json-object.js';
import { r4TypeDefinitions } from '../model/r4-structure-definitions.js';
import { buildElementTables, type ChildSpec, type ElementTables } from '../validation/element-tables.js';

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
      const twin = key.charCodeAt(0) === 95; // '_'
      const spec = table.children.get(twin ? key.slice(1) : key);
      if (spec === undefined) continue;
      const kind = twin || !spec.primitive ? undefined : linkKind(tableKey, key, spec.type);
      if (!twin && spec.primitive && kind === undefined) continue;
      if (!twin && !spec.primitive && !spec.resource && spec.table === undefined) continue;
      const next = Array.isArray(value) ? this.eachItem(value, spec, twin, kind, f) : this.one(value, spec, twin, kind, f);
      if (next !== value) {
        out ??= { ...obj };
        out[key] = next;
      }
    }
    return out ?? obj;
  }

  /** An array's items through `one`; the same array when none changed. */
  private eachItem(items: readonly unknown[], spec: ChildSpec, twin: boolean, kind: LinkKind | undefined, f: LinkMapper): unknown {
    let out: unknown[] | undefined;
    for (let i = 0; i < items.length; i += 1) {
      const item: unknown = items[i];
      const next = this.one(item, spec, twin, kind, f);
      if (next !== item) {
        out ??= items.slice();
        out[i] = next;
      }
    }
    return out ?? items;
  }

  /**
   * One value of property `spec` (methods, not a closure per property: those were
   * most of this walk's allocation in a bulk load).
   */
  private one(v: unknown, spec: ChildSpec, twin: boolean, kind: LinkKind | undefined, f: LinkMapper): unknown {
    // A primitive's extension twin (https://hl7.org/fhir/R4/json.html#primitive) is an Element.
    if (twin) return isJsonObject(v) ? this.walk(v, 'Element', f) : v;
    if (spec.resource) return isJsonObject(v) ? this.map(v, f) : v;
    if (kind !== undefined) return typeof v === 'string' ? f(v, kind) : v;
    return isJsonObject(v) && spec.table !== undefined ? this.walk(v, spec.table, f) : v;
  }
}

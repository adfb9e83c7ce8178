import { isJsonObject, type JsonObject } from '../model/json-object.js';
import type { ChildSpec, ElementTables, TypeTable } from './element-tables.js';

/**
 * Turns a JSON pointer into the instance (ajv's instancePath, `/name/0/given/1`) into a
 * FHIRPath-style location (`Patient.name[0].given[1]`, https://hl7.org/fhir/R4/fhirpath.html),
 * and says which FHIR type sits there, so diagnostics can name it ("not a valid date").
 * A primitive's `_name` twin is addressed as the primitive itself (`Patient.birthDate.extension[0]`),
 * as FHIRPath sees one element where JSON has two properties. Choice elements keep their JSON
 * name (`Observation.valueQuantity`). Walking the data, not the pointer alone, tells array
 * indexes from property names.
 */
export interface Location {
  readonly expression: string;
  readonly value: unknown;
  /** The FHIR type at that location, when the location is a known element. */
  readonly fhirType: string | undefined;
}

/** RFC 6901 unescaping of one pointer segment. */
function unescapeSegment(s: string): string {
  return s.replace(/~1/g, '/').replace(/~0/g, '~');
}

export class Locator {
  private readonly tables: ReadonlyMap<string, TypeTable>;
  private readonly element: TypeTable | undefined;

  constructor(t: ElementTables) {
    this.tables = t.tables;
    this.element = t.tables.get('Element');
  }

  private tableOf(spec: ChildSpec | 'twin', obj: JsonObject): TypeTable | undefined {
    if (spec === 'twin') return this.element;
    if (spec.resource) {
      const type = obj['resourceType'];
      return typeof type === 'string' ? this.tables.get(type) : undefined;
    }
    return spec.table === undefined ? undefined : this.tables.get(spec.table);
  }

  locate(root: JsonObject, instancePath: string): Location {
    const rootType = typeof root['resourceType'] === 'string' ? root['resourceType'] : 'Resource';
    let expression = rootType;
    let value: unknown = root;
    let table = this.tables.get(rootType);
    let spec: ChildSpec | 'twin' | undefined;
    let fhirType: string | undefined = rootType;
    const segments = instancePath === '' ? [] : instancePath.slice(1).split('/').map(unescapeSegment);
    for (const seg of segments) {
      if (Array.isArray(value)) {
        expression += `[${seg}]`;
        value = value[Number(seg)];
        continue;
      }
      if (!isJsonObject(value)) break;
      if (spec !== undefined) table = this.tableOf(spec, value);
      const twin = seg.startsWith('_');
      const child = table?.children.get(twin ? seg.slice(1) : seg);
      const known = child !== undefined && (!twin || child.primitive);
      expression += `.${known && twin ? seg.slice(1) : seg}`;
      spec = known ? (twin ? 'twin' : child) : undefined;
      fhirType = known ? (twin ? 'Element' : child.type) : undefined;
      if (!known) table = undefined;
      value = value[seg];
    }
    return { expression, value, fhirType };
  }
}

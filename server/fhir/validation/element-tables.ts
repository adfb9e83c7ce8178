import type { ElementSummary, TypeDefinition } from '../model/r4-structure-definitions.js';

/**
 * Compact per-type tables precomputed from the R4 snapshots, so that the per-resource walk
 * is a few map look-ups per JSON property. One table per complex type, resource type and
 * backbone element (keyed `HumanName`, `Patient`, `Patient.contact`).
 */

/** One element of a type (all the JSON properties of a choice share one rule). */
export interface ElementRule {
  /** The FHIRPath name: `gender`, `value` for `value[x]`. */
  readonly name: string;
  /** Its JSON property names: `[gender]`, `[valueString, valueQuantity, ...]`. */
  readonly jsonNames: readonly string[];
  readonly min: number;
  /** `Infinity` for `*`. */
  readonly max: number;
  /** A `[x]` element: https://hl7.org/fhir/R4/formats.html#choice */
  readonly choice: boolean;
  /** The value set of a required binding (https://hl7.org/fhir/R4/terminologies.html#required). */
  readonly valueSet: string | undefined;
}

/** What one JSON property name of a type holds. */
export interface ChildSpec {
  readonly rule: ElementRule;
  /** The FHIR type of this property: `string`, `Quantity`, `BackboneElement`, `Resource`... */
  readonly type: string;
  /** A primitive type: its JSON value is a string/number/boolean, with an optional `_name` twin. */
  readonly primitive: boolean;
  /** An inline resource (contained, Bundle.entry.resource): dispatch on its resourceType. */
  readonly resource: boolean;
  /** Key of the table describing the object(s) it holds; undefined for primitives and resources. */
  readonly table: string | undefined;
  /** Max cardinality above 1: the JSON value is an array (https://hl7.org/fhir/R4/json.html). */
  readonly repeating: boolean;
}

export interface TypeTable {
  readonly key: string;
  /** A resource type's own table (its objects carry `resourceType`). */
  readonly resource: boolean;
  /** By JSON property name, without the `_` of a primitive's extension twin. */
  readonly children: ReadonlyMap<string, ChildSpec>;
  /**
   * Elements with min >= 1 that the JSON schema cannot require: primitives (a required
   * primitive may be present as `name` or only as `_name`) and choices (one of several names).
   */
  readonly required: readonly ElementRule[];
  /** Elements whose max is a number other than 1 (the schema only knows single vs array). */
  readonly bounded: readonly ElementRule[];
}

export interface ElementTables {
  readonly tables: ReadonlyMap<string, TypeTable>;
  readonly primitiveTypes: ReadonlySet<string>;
  /** The concrete resource types. */
  readonly resourceTypes: ReadonlySet<string>;
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** `Patient.contact.name` → [`Patient.contact`, `name`]. */
function splitPath(path: string): [string, string] {
  const i = path.lastIndexOf('.');
  return [path.slice(0, i), path.slice(i + 1)];
}

interface Builder {
  readonly primitives: ReadonlySet<string>;
  /** Every element path that has children of its own in the snapshot. */
  readonly parents: ReadonlySet<string>;
}

/**
 * The resource's own `id` is of type `id` (https://hl7.org/fhir/R4/resource.html#id); the R4
 * snapshots type it as a FHIRPath System.String tagged `string`, so that is corrected here.
 */
function elementTypes(el: ElementSummary, isResourceRoot: boolean, name: string): readonly string[] {
  return isResourceRoot && name === 'id' ? ['id'] : el.types;
}

function childSpec(b: Builder, el: ElementSummary, rule: ElementRule, type: string): ChildSpec {
  const primitive = b.primitives.has(type);
  const resource = type === 'Resource';
  let table: string | undefined;
  if (el.contentReference !== undefined) table = el.contentReference.replace(/^#/, '');
  else if (!primitive && !resource) table = b.parents.has(el.path) ? el.path : type;
  return { rule, type, primitive, resource, table, repeating: el.max > 1 };
}

function addElement(
  b: Builder,
  children: Map<string, ChildSpec>,
  el: ElementSummary,
  isResourceRoot: boolean,
): ElementRule {
  const [, last] = splitPath(el.path);
  const choice = last.endsWith('[x]');
  const name = choice ? last.slice(0, -3) : last;
  const types = elementTypes(el, isResourceRoot, name);
  // contentReference elements have no type of their own: they repeat the referenced backbone.
  const variants =
    el.contentReference !== undefined
      ? [{ type: 'BackboneElement', jsonName: name }]
      : types.map((type) => ({ type, jsonName: choice ? name + capitalize(type) : name }));
  const rule: ElementRule = {
    name,
    jsonNames: variants.map((v) => v.jsonName),
    min: el.min,
    max: el.max,
    choice,
    valueSet: el.requiredValueSet,
  };
  for (const v of variants) children.set(v.jsonName, childSpec(b, el, rule, v.type));
  return rule;
}

interface MutableTable {
  readonly children: Map<string, ChildSpec>;
  readonly rules: ElementRule[];
}

function needsRequiredCheck(rule: ElementRule, children: ReadonlyMap<string, ChildSpec>): boolean {
  if (rule.min < 1) return false;
  if (rule.choice) return true;
  const first = rule.jsonNames[0];
  return first !== undefined && children.get(first)?.primitive === true;
}

function tablesOf(b: Builder, def: TypeDefinition, out: Map<string, TypeTable>): void {
  const work = new Map<string, MutableTable>();
  for (const el of def.elements) {
    if (!el.path.includes('.')) continue;
    const [parent] = splitPath(el.path);
    let t = work.get(parent);
    if (t === undefined) {
      t = { children: new Map(), rules: [] };
      work.set(parent, t);
    }
    t.rules.push(addElement(b, t.children, el, def.kind === 'resource' && parent === def.name));
  }
  for (const [key, t] of work) {
    out.set(key, {
      key,
      resource: def.kind === 'resource' && key === def.name,
      children: t.children,
      required: t.rules.filter((r) => needsRequiredCheck(r, t.children)),
      bounded: t.rules.filter((r) => r.max !== 1 && r.max !== Infinity),
    });
  }
}

/** Builds every table once, at createValidator() time. */
export function buildElementTables(defs: readonly TypeDefinition[]): ElementTables {
  const primitives = new Set(defs.filter((d) => d.kind === 'primitive-type').map((d) => d.name));
  const parents = new Set<string>();
  for (const d of defs) for (const el of d.elements) if (el.path.includes('.')) parents.add(splitPath(el.path)[0]);
  const b: Builder = { primitives, parents };
  const tables = new Map<string, TypeTable>();
  // Primitive types' own snapshots (`date.value`...) describe the JSON value itself: their
  // rules live in primitive-values.ts, not in tables.
  for (const def of defs) if (def.kind !== 'primitive-type') tablesOf(b, def, tables);
  const resourceTypes = new Set(defs.filter((d) => d.kind === 'resource' && !d.abstract).map((d) => d.name));
  return { tables, primitiveTypes: primitives, resourceTypes };
}

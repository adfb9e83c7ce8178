import { isJsonObject, type JsonObject } from '../../model/json-object.js';
import type { CompiledElement } from './compiled-types.js';

/**
 * One value of an element in the instance, with its FHIR type and FHIRPath location.
 * A primitive's value and its `_name` twin (id/extensions, https://hl7.org/fhir/R4/json.html#primitive)
 * are one item, as FHIRPath sees them.
 */
export interface Item {
  /** The JSON value: a primitive, an object, or undefined when only the `_name` twin is present. */
  readonly value: unknown;
  readonly twin: JsonObject | undefined;
  /** The FHIR type of the value: the choice suffix decides for `value[x]`; resourceType for resources. */
  readonly type: string;
  /** `Patient.name[0]`, `Observation.valueQuantity`. */
  readonly path: string;
}

export const PRIMITIVE_TYPES: ReadonlySet<string> = new Set([
  'boolean', 'integer', 'string', 'decimal', 'uri', 'url', 'canonical', 'base64Binary', 'instant', 'date',
  'dateTime', 'time', 'code', 'oid', 'id', 'markdown', 'unsignedInt', 'positiveInt', 'uuid', 'xhtml',
]);

/** `valueDateTime` with stem `value` → `dateTime`; `valueQuantity` → `Quantity`. */
export function typeFromSuffix(suffix: string): string {
  const lower = suffix.charAt(0).toLowerCase() + suffix.slice(1);
  return PRIMITIVE_TYPES.has(lower) ? lower : suffix;
}

const choiceLists = new WeakMap<ReadonlyMap<string, CompiledElement>, readonly CompiledElement[]>();

function choicesOf(kids: ReadonlyMap<string, CompiledElement>): readonly CompiledElement[] {
  let list = choiceLists.get(kids);
  if (list === undefined) {
    list = [...kids.values()].filter((k) => k.choice);
    choiceLists.set(kids, list);
  }
  return list;
}

function isUpper(c: number): boolean {
  return c >= 65 && c <= 90;
}

/** The element a JSON property belongs to (a choice element by its type suffix). */
function elementOf(kids: ReadonlyMap<string, CompiledElement>, name: string): CompiledElement | undefined {
  const direct = kids.get(name);
  if (direct !== undefined && !direct.choice) return direct;
  for (const c of choicesOf(kids)) {
    if (name.length > c.name.length && name.startsWith(c.name) && isUpper(name.charCodeAt(c.name.length))) return c;
  }
  return undefined;
}

/** The FHIR type of the values of property `name` of element `def` (elementOf). */
function declaredType(def: CompiledElement, name: string): string {
  return def.choice ? typeFromSuffix(name.slice(def.name.length)) : (def.types[0]?.code ?? 'BackboneElement');
}

function itemType(declared: string, value: unknown): string {
  if (declared === 'Resource' && isJsonObject(value) && typeof value['resourceType'] === 'string') return value['resourceType'];
  return declared;
}

/** A FHIRPath location, or an item that spells its own when asked. */
export type PathOf = string | { readonly path: string };

export const pathText = (at: PathOf): string => (typeof at === 'string' ? at : at.path);

/** `LazyItem.index` of a property's single value (not an array element). */
const SINGLE = -1;

/**
 * An item whose FHIRPath location is only spelled out when asked for: most items
 * never appear in an issue. Building `Observation.component[3].code` for every
 * value (and every object's parent path, to pass down) was a tenth of
 * validation's time and much of its allocation. One class for single values and
 * array elements keeps the walk's property reads on one object shape.
 */
class LazyItem implements Item {
  constructor(
    readonly value: unknown,
    readonly twin: JsonObject | undefined,
    readonly type: string,
    private readonly parent: PathOf,
    private readonly name: string,
    private readonly index: number,
  ) {}

  get path(): string {
    const at = `${pathText(this.parent)}.${this.name}`;
    return this.index === SINGLE ? at : `${at}[${this.index}]`;
  }
}

/**
 * Calls `visit` with each item of an object's properties (and `context`, so that a
 * caller need not make a closure per object), in document order, with the
 * element it belongs to (unknown properties are skipped: the structural checks report
 * them). A primitive and its `_name` twin are one item.
 */
export function eachItem<C>(
  obj: JsonObject,
  kids: ReadonlyMap<string, CompiledElement>,
  path: PathOf,
  visit: (def: CompiledElement, item: Item, context: C) => void,
  context: C,
): void {
  let hasTwins = false;
  for (const key in obj) {
    if (key.charCodeAt(0) === 95) {
      hasTwins = true;
      break;
    }
  }
  for (const key in obj) {
    if (key === 'resourceType') continue;
    const twinKey = key.charCodeAt(0) === 95;
    const name = twinKey ? key.slice(1) : key;
    if (twinKey && obj[name] !== undefined) continue; // taken with its value
    if (obj[key] === undefined) continue; // a JS object built in code may carry undefined: absent in JSON
    const def = elementOf(kids, name);
    if (def === undefined) continue; // unknown: reported by the structural checks
    const declared = declaredType(def, name);
    const value = obj[name];
    const twin = hasTwins ? obj[`_${name}`] : undefined;
    if (Array.isArray(value) || Array.isArray(twin)) {
      const values: readonly unknown[] = Array.isArray(value) ? value : [];
      const twins: readonly unknown[] = Array.isArray(twin) ? twin : [];
      const n = Math.max(values.length, twins.length);
      for (let i = 0; i < n; i++) {
        const raw: unknown = values[i];
        const v = raw === null ? undefined : raw;
        const t = twins[i];
        visit(def, new LazyItem(v, isJsonObject(t) ? t : undefined, itemType(declared, v), path, name, i), context);
      }
    } else {
      visit(def, new LazyItem(value, isJsonObject(twin) ? twin : undefined, itemType(declared, value), path, name, SINGLE), context);
    }
  }
}

function addToGroup(def: CompiledElement, item: Item, groups: Map<CompiledElement, Item[]>): void {
  const list = groups.get(def);
  if (list === undefined) groups.set(def, [item]);
  else list.push(item);
}

/** Groups an object's properties by the element each belongs to, in document order. */
export function groupProperties(
  obj: JsonObject,
  kids: ReadonlyMap<string, CompiledElement>,
  path: PathOf,
): Map<CompiledElement, Item[]> {
  const groups = new Map<CompiledElement, Item[]>();
  eachItem(obj, kids, path, addToGroup, groups);
  return groups;
}

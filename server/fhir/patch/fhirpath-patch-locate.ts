/**
 * Turns a FHIRPath Patch `path` into places in the JSON being patched.
 *
 * fhirpath.js, asked not to resolve internal types, returns ResourceNode wrappers.
 * A node's `parentResNode.data` is the very object (by identity) that holds the
 * element, `propName` the property it was read from and `index` its position when
 * that property is an array. For a choice element `propName` may be the base name
 * (`value`) while the JSON key is `valueQuantity`, so the key is resolved against
 * the container. Elements of a primitive (its `id`/`extension`) live in the `_name`
 * sibling, which fhirpath.js exposes as the parent's `_data`.
 */
import fhirpath from 'fhirpath';
import r4model from 'fhirpath/fhir-context/r4';
import { FhirError } from '../../errors/fhir-error.js';
import { suffixFromType } from './fhirpath-patch-model.js';
import { isPlainObject } from './fhirpath-patch-parameters.js';

/** The part of fhirpath.js's ResourceNode this module relies on. */
export interface PathNode {
  readonly parentResNode: PathNode | null;
  /** Model type path: a type name (`HumanName`) or an anonymous element path (`Patient.contact`). */
  readonly path: string | null;
  readonly propName: string | null | undefined;
  readonly index: number | null | undefined;
  readonly data: unknown;
  readonly _data: unknown;
  readonly fhirNodeDataType: string | null | undefined;
}

/** Where one element lives: `container[key]`, or `container[key][index]` in a list. */
export interface Slot {
  readonly container: Record<string, unknown>;
  readonly key: string;
  readonly index: number | undefined;
  /** Type path of the container, for model look-ups. */
  readonly parentType: string | null;
  /** Element name as fhirpath.js reported it (choice base name or typed key). */
  readonly propName: string;
}

/** A list addressed by a path; `items` is undefined when the list is absent. */
export interface ListSlot {
  readonly container: Record<string, unknown>;
  readonly key: string;
  readonly items: unknown[] | undefined;
  readonly parentType: string | null;
}

const unprocessable = (message: string): FhirError => new FhirError('unprocessable', message);

/** Evaluates `expression` on `root`; every result must be an element of `root`. */
export function evaluatePath(root: Record<string, unknown>, expression: string): PathNode[] {
  let result: unknown[];
  try {
    result = fhirpath.evaluate(root, quoteKeywordMembers(expression), { resource: root, rootResource: root }, r4model, {
      resolveInternalTypes: false,
    });
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err);
    throw new FhirError('invalid', `invalid FHIRPath expression '${expression}': ${detail}`, { cause: err });
  }
  return result.map((item) => {
    if (!isPathNode(item)) throw unprocessable(`path '${expression}' yields a computed value, not an element of the resource`);
    return item;
  });
}

/** The object holding the node's children, if it is a complex element or has `_` content. */
export function contentOf(node: PathNode): Record<string, unknown> | undefined {
  if (isPlainObject(node.data)) return node.data;
  return isPlainObject(node._data) ? node._data : undefined;
}

/** Where `node` lives in the JSON; undefined for the resource root. */
export function slotOf(node: PathNode, expression: string): Slot | undefined {
  const parent = node.parentResNode;
  if (parent === null) return undefined;
  const container = contentOf(parent);
  const propName = node.propName;
  if (container === undefined || typeof propName !== 'string') {
    throw unprocessable(`cannot locate the element selected by '${expression}'`);
  }
  if (propName === 'resourceType') throw unprocessable('resourceType cannot be patched');
  const key = resolveKey(container, propName, node.fhirNodeDataType);
  const index = typeof node.index === 'number' ? node.index : undefined;
  const value = key === undefined ? undefined : container[key];
  const consistent = index === undefined ? !Array.isArray(value) : Array.isArray(value) && index < value.length;
  if (key === undefined || !consistent) throw unprocessable(`cannot locate the element selected by '${expression}'`);
  return { container, key, index, parentType: parent.path, propName };
}

/**
 * The list whose items `expression` selects. When nothing is selected and the
 * expression ends in `.name`, the prefix is evaluated instead so that an insert can
 * create an absent list (index 0 is then the only valid index).
 */
export function listOf(root: Record<string, unknown>, expression: string): ListSlot {
  const nodes = evaluatePath(root, expression);
  if (nodes.length === 0) return absentList(root, expression);
  const slots = nodes.map((node) => slotOf(node, expression));
  const [first] = slots;
  const same = slots.every(
    (slot) => slot?.index !== undefined && slot.container === first?.container && slot.key === first.key,
  );
  if (first === undefined || !same) throw unprocessable(`path '${expression}' does not select the items of one list`);
  return { container: first.container, key: first.key, items: first.container[first.key] as unknown[], parentType: first.parentType };
}

function absentList(root: Record<string, unknown>, expression: string): ListSlot {
  const match = /^([\s\S]+)\.([A-Za-z][A-Za-z0-9]*)$/.exec(expression.trim());
  const [, prefix, key] = match ?? [];
  const parents = prefix === undefined ? [] : evaluatePath(root, prefix);
  const [parent] = parents;
  const container = parent === undefined ? undefined : contentOf(parent);
  if (parents.length !== 1 || container === undefined || key === undefined || container[key] !== undefined) {
    throw unprocessable(`path '${expression}' does not select any element`);
  }
  return { container, key, items: undefined, parentType: parent?.path ?? null };
}

/**
 * `Patient.text.div`: `div` is a FHIRPath operator keyword, which fhirpath.js does
 * not accept as a member name unless quoted, yet the spec's own test cases patch
 * `Patient.text.div`. After a `.` only a member name can follow, so `.div` outside
 * string literals is rewritten to the delimited form `.\`div\``.
 */
function quoteKeywordMembers(expression: string): string {
  let out = '';
  let quote: string | undefined;
  for (let i = 0; i < expression.length; i++) {
    const char = expression.charAt(i);
    if (quote !== undefined) {
      if (char === '\\') {
        out += char + expression.charAt(i + 1);
        i++;
        continue;
      }
      if (char === quote) quote = undefined;
    } else if (char === "'" || char === '`') {
      quote = char;
    } else if (char === '.' && /^div(?![A-Za-z0-9_])/.test(expression.slice(i + 1))) {
      out += '.`div`';
      i += 'div'.length;
      continue;
    }
    out += char;
  }
  return out;
}

function resolveKey(container: Record<string, unknown>, propName: string, type: string | null | undefined): string | undefined {
  if (Object.hasOwn(container, propName)) return propName;
  if (typeof type === 'string') {
    const typed = propName + suffixFromType(type.replace(/^System\./, ''));
    if (Object.hasOwn(container, typed)) return typed;
  }
  const typedKeys = Object.keys(container).filter(
    (key) => key.startsWith(propName) && /^[A-Z]/.test(key.slice(propName.length)),
  );
  const [only] = typedKeys;
  if (typedKeys.length === 1 && only !== undefined) return only;
  // A primitive with only an extension (`_birthDate` without `birthDate`).
  return Object.hasOwn(container, `_${propName}`) ? propName : undefined;
}

function isPathNode(value: unknown): value is PathNode {
  return typeof value === 'object' && value !== null && 'parentResNode' in value && 'propName' in value && 'data' in value;
}

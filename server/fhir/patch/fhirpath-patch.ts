/**
 * FHIRPath Patch (https://hl7.org/fhir/R4/fhirpatch.html) as a pure function.
 *
 * Operations apply in order to a structured clone of the resource; the first
 * failure aborts the whole patch. Malformed Parameters and bad FHIRPath syntax are
 * 400 (invalid); a path that does not select what the operation needs, a bad index
 * or a value of the wrong type is 422 (processing). Every diagnostic names the
 * operation by its index in `Parameters.parameter`.
 */
import { FhirError } from '../../errors/fhir-error.js';
import { insertAt, moveWithin, pruneEmpty, removeSlot, replaceSlot } from './fhirpath-patch-edit.js';
import { evaluatePath, listOf, slotOf, type PathNode } from './fhirpath-patch-locate.js';
import { findElement, type ElementDef } from './fhirpath-patch-model.js';
import { isPlainObject, parsePatchParameters, type PatchOperation } from './fhirpath-patch-parameters.js';
import { storedValue } from './fhirpath-patch-value.js';

type Operation<T extends PatchOperation['type']> = Extract<PatchOperation, { readonly type: T }>;

const unprocessable = (message: string): FhirError => new FhirError('unprocessable', message);

/**
 * Applies a FHIRPath Patch Parameters resource to `resource` and returns the patched
 * copy; `resource` and `parameters` are left untouched. Throws only FhirError.
 * The result is not validated: the caller checks it is still a valid resource of
 * the same type and id.
 */
export function applyFhirPathPatch(
  resource: Readonly<Record<string, unknown>>,
  parameters: unknown,
): Record<string, unknown> {
  const operations = parsePatchParameters(parameters);
  const result: Record<string, unknown> = structuredClone(resource);
  operations.forEach((operation, index) => {
    try {
      applyOperation(result, operation);
    } catch (err) {
      throw inOperation(err, index, operation);
    }
  });
  return result;
}

function applyOperation(root: Record<string, unknown>, operation: PatchOperation): void {
  switch (operation.type) {
    case 'add':
      add(root, operation);
      return;
    case 'insert':
      insert(root, operation);
      return;
    case 'delete':
      remove(root, operation);
      return;
    case 'replace':
      replace(root, operation);
      return;
    case 'move':
      move(root, operation);
      return;
  }
}

/** add: `name` = `value` on the single element at `path`; appends to a repeating element. */
function add(root: Record<string, unknown>, op: Operation<'add'>): void {
  const target = single(evaluatePath(root, op.path), op.path);
  const content = isPlainObject(target.data) ? target.data : undefined;
  if (content === undefined) throw unprocessable(`'${op.path}' selects a primitive value; add needs a complex element`);
  const def = elementOf(target.path, op.name);
  const stored = storedValue(def, op.value);
  const existing = content[stored.key];
  if (def.repeating) {
    if (existing !== undefined && !Array.isArray(existing)) throw unprocessable(`${def.path} is not a list in the resource`);
    insertAt(content, stored.key, Array.isArray(existing) ? existing.length : 0, stored.data);
    return;
  }
  if (def.keys.some((key) => content[key] !== undefined)) {
    throw unprocessable(`${def.path} already exists; use replace to change it`);
  }
  content[stored.key] = stored.data;
}

/** insert: `value` into the list at `path`, at `index` (0..length). */
function insert(root: Record<string, unknown>, op: Operation<'insert'>): void {
  const list = listOf(root, op.path);
  const length = list.items?.length ?? 0;
  if (op.index < 0 || op.index > length) throw unprocessable(`index ${op.index} is outside 0..${length}`);
  const def = elementOf(list.parentType, list.key);
  if (!def.repeating) throw unprocessable(`'${op.path}' is not a list`);
  const stored = storedValue(def, op.value);
  if (stored.key !== list.key) throw unprocessable(`value does not fit the list at '${op.path}'`);
  insertAt(list.container, list.key, op.index, stored.data);
}

/** delete: the single element at `path`; nothing selected is not an error. */
function remove(root: Record<string, unknown>, op: Operation<'delete'>): void {
  const nodes = evaluatePath(root, op.path);
  if (nodes.length === 0) return;
  const node = single(nodes, op.path);
  const slot = slotOf(node, op.path);
  if (slot === undefined) throw unprocessable('the resource itself cannot be deleted');
  removeSlot(slot);
  pruneEmpty(node.parentResNode, op.path);
}

/** replace: the single existing element at `path` (a choice element may change type). */
function replace(root: Record<string, unknown>, op: Operation<'replace'>): void {
  const node = single(evaluatePath(root, op.path), op.path);
  const slot = slotOf(node, op.path);
  if (slot === undefined) throw unprocessable('the resource itself cannot be replaced');
  const stored = storedValue(elementOf(slot.parentType, slot.propName), op.value);
  if (slot.index !== undefined && stored.key !== slot.key) throw unprocessable(`value does not fit the list at '${op.path}'`);
  replaceSlot(slot, stored.key, stored.data);
}

/** move: within the list at `path`, the item at `source` to `destination`. */
function move(root: Record<string, unknown>, op: Operation<'move'>): void {
  const list = listOf(root, op.path);
  if (list.items === undefined) throw unprocessable(`'${op.path}' does not select any element`);
  const length = list.items.length;
  for (const [label, index] of [['source', op.source], ['destination', op.destination]] as const) {
    if (index < 0 || index >= length) throw unprocessable(`${label} ${index} is outside 0..${length - 1}`);
  }
  moveWithin(list.container, list.key, op.source, op.destination);
}

/** The element `name` of the type at `typePath`, which the R4 model must know. */
function elementOf(typePath: string | null, name: string): ElementDef {
  const def = findElement(typePath, name);
  if (def === undefined) throw unprocessable(`${typePath ?? 'the element'} has no element '${name}'`);
  return def;
}

/** The spec: "The FHIRPath statement must return a single element". */
function single(nodes: readonly PathNode[], path: string): PathNode {
  const [node] = nodes;
  if (node === undefined) throw unprocessable(`no element found at '${path}'`);
  if (nodes.length > 1) throw unprocessable(`'${path}' selects ${nodes.length} elements; exactly one is required`);
  return node;
}

function inOperation(err: unknown, index: number, op: PatchOperation): FhirError {
  const where = `FHIRPath Patch operation ${index} (${op.type} '${op.path}')`;
  if (!(err instanceof FhirError)) return new FhirError('internal', `${where} failed unexpectedly`, { cause: err });
  return new FhirError(err.kind, `${where}: ${err.message}`, { expression: [`Parameters.parameter[${index}]`], cause: err });
}

/**
 * The JSON edits behind the FHIRPath Patch operations. They keep a primitive's
 * `_name` sibling (its id/extensions) aligned with the values it belongs to, and
 * never leave an empty array or object behind (FHIR JSON forbids both; the spec's
 * R4 test cases expect `Patient.contact[0].name` to vanish once its only child is
 * deleted).
 */
import { contentOf, slotOf, type PathNode, type Slot } from './fhirpath-patch-locate.js';

const sidecarKey = (key: string): string => `_${key}`;

/** Removes the element at `slot`, with its `_` sibling entry. */
export function removeSlot(slot: Slot): void {
  const { container, key, index } = slot;
  if (index === undefined) {
    Reflect.deleteProperty(container, key);
    Reflect.deleteProperty(container, sidecarKey(key));
    return;
  }
  listAt(container, key)?.splice(index, 1);
  listAt(container, sidecarKey(key))?.splice(index, 1);
  tidy(container, key);
}

/** Puts `data` at `slot`, dropping the old element's `_` content (it is replaced whole). */
export function replaceSlot(slot: Slot, key: string, data: unknown): void {
  const { container, index } = slot;
  if (index === undefined) {
    Reflect.deleteProperty(container, slot.key);
    Reflect.deleteProperty(container, sidecarKey(slot.key));
    container[key] = data;
    return;
  }
  const items = listAt(container, key);
  if (items !== undefined) items[index] = data;
  const sidecar = listAt(container, sidecarKey(key));
  if (sidecar !== undefined && index < sidecar.length) sidecar[index] = null;
  tidy(container, key);
}

/** Inserts into `container[key]` (created when absent) at `index`. */
export function insertAt(container: Record<string, unknown>, key: string, index: number, data: unknown): void {
  const items = listAt(container, key);
  if (items === undefined) {
    container[key] = [data];
    return;
  }
  items.splice(index, 0, data);
  const sidecar = listAt(container, sidecarKey(key));
  if (sidecar !== undefined && index <= sidecar.length) sidecar.splice(index, 0, null);
}

/** Moves an item: removed at `source`, then inserted at `destination`. */
export function moveWithin(container: Record<string, unknown>, key: string, source: number, destination: number): void {
  for (const list of [listAt(container, key), listAt(container, sidecarKey(key))]) {
    if (list === undefined || source >= list.length) continue;
    const [item] = list.splice(source, 1);
    list.splice(Math.min(destination, list.length), 0, item);
  }
}

/**
 * Walks up from `node`, removing each element left empty, up to (not including)
 * the resource itself.
 */
export function pruneEmpty(node: PathNode | null, expression: string): void {
  for (let current = node; current?.parentResNode; current = current.parentResNode) {
    const content = contentOf(current);
    if (content === undefined || Object.keys(content).length > 0) return;
    const slot = slotOf(current, expression);
    if (slot === undefined) return;
    if (current.data === undefined || current.data === null || content === current.data) {
      removeSlot(slot);
      continue;
    }
    // A primitive that still has its value lost its last extension: drop `_name` only.
    removeSidecarEntry(slot);
    return;
  }
}

function removeSidecarEntry({ container, key, index }: Slot): void {
  if (index === undefined) {
    Reflect.deleteProperty(container, sidecarKey(key));
    return;
  }
  const sidecar = listAt(container, sidecarKey(key));
  if (sidecar !== undefined && index < sidecar.length) sidecar[index] = null;
  tidy(container, key);
}

function listAt(container: Record<string, unknown>, key: string): unknown[] | undefined {
  const value = container[key];
  return Array.isArray(value) ? (value as unknown[]) : undefined;
}

/** Drops an empty list, and a `_` list that no longer carries anything. */
function tidy(container: Record<string, unknown>, key: string): void {
  const items = listAt(container, key);
  if (items?.length === 0) Reflect.deleteProperty(container, key);
  const sidecar = listAt(container, sidecarKey(key));
  if (sidecar !== undefined && (items === undefined || items.length === 0 || sidecar.every((entry) => entry === null))) {
    Reflect.deleteProperty(container, sidecarKey(key));
  }
}

import { arrayProp, isJsonObject, stringProp, type JsonObject } from '../../model/json-object.js';
import { deriveIds, normaliseChoices } from './element-ids.js';

/**
 * Generates a StructureDefinition snapshot from its differential and its base's snapshot
 * (https://hl7.org/fhir/R4/profiling.html#snapshot): every differential element is merged into
 * the base element with the same id; a new slice starts as a copy of the sliced element and
 * its children; an element inside a complex type the base does not expand (`Patient.name.family`)
 * first expands that type's elements in place. Constraints add up; every other property of
 * the differential replaces the base's.
 */

export interface SnapshotSources {
  /** A StructureDefinition that has a snapshot, by canonical URL (profiles and base types). */
  withSnapshot(url: string): JsonObject | undefined;
}

export interface SnapshotResult {
  readonly elements: JsonObject[];
  /** Differential elements that could not be placed, and other fatal problems. */
  readonly errors: string[];
}

const CORE = 'http://hl7.org/fhir/StructureDefinition/';

function clone<T>(v: T): T {
  return structuredClone(v);
}

function elementsOf(sd: JsonObject, part: 'snapshot' | 'differential'): JsonObject[] {
  const p = sd[part];
  return isJsonObject(p) ? arrayProp(p, 'element').filter(isJsonObject) : [];
}

function idOf(el: JsonObject): string {
  return stringProp(el, 'id') ?? stringProp(el, 'path') ?? '';
}

/** Ids in `elements` from `index` on that belong to the element `id` (its children and slices). */
function endOfSubtree(elements: readonly JsonObject[], index: number, id: string): number {
  let i = index + 1;
  while (i < elements.length) {
    const other = idOf(elements[i] ?? {});
    if (!other.startsWith(`${id}.`) && !other.startsWith(`${id}:`)) break;
    i++;
  }
  return i;
}

function merge(target: JsonObject, diff: JsonObject): void {
  for (const [k, v] of Object.entries(diff)) {
    if (k === 'id' || k === 'path') continue;
    if (k === 'constraint' && Array.isArray(v)) {
      const existing = arrayProp(target, 'constraint').filter(isJsonObject);
      const keys = new Set(existing.map((c) => c['key']));
      const added = (v as unknown[]).filter((c) => !(isJsonObject(c) && keys.has(c['key'])));
      target['constraint'] = [...existing, ...clone(added)];
    } else if (k === 'condition' && Array.isArray(v)) {
      target['condition'] = [...new Set<unknown>([...arrayProp(target, 'condition'), ...(v as unknown[])])];
    } else if (k.startsWith('fixed') || k.startsWith('pattern')) {
      for (const old of Object.keys(target)) if (old.startsWith('fixed') || old.startsWith('pattern')) Reflect.deleteProperty(target, old);
      target[k] = clone(v);
    } else {
      target[k] = clone(v);
    }
  }
}

/** Renames ids/paths of copied elements from one prefix to another. */
function rebase(el: JsonObject, fromId: string, toId: string, fromPath: string, toPath: string): JsonObject {
  const copy = clone(el);
  const id = idOf(el);
  copy['id'] = toId + id.slice(fromId.length);
  const path = stringProp(el, 'path') ?? '';
  copy['path'] = toPath + path.slice(fromPath.length);
  return copy;
}

class Builder {
  constructor(
    readonly elements: JsonObject[],
    private readonly sources: SnapshotSources,
  ) {}

  index(id: string): number {
    return this.elements.findIndex((e) => idOf(e) === id);
  }

  /** Adds the elements of the element's type (or type profile) under it, if it has none yet. */
  expand(id: string): boolean {
    const i = this.index(id);
    const el = this.elements[i];
    if (el === undefined || this.elements[i + 1] !== undefined && idOf(this.elements[i + 1] ?? {}).startsWith(`${id}.`)) return false;
    const types = arrayProp(el, 'type').filter(isJsonObject);
    const [type] = types;
    if (type === undefined || types.length !== 1) return false;
    const code = stringProp(type, 'code') ?? '';
    const profile = arrayProp(type, 'profile').find((p): p is string => typeof p === 'string');
    const sd = this.sources.withSnapshot(profile ?? `${CORE}${code}`);
    const [root, ...kids] = sd === undefined ? [] : elementsOf(sd, 'snapshot');
    if (root === undefined || kids.length === 0) return false;
    const path = stringProp(el, 'path') ?? id;
    const copies = kids.map((k) => rebase(k, idOf(root), id, stringProp(root, 'path') ?? '', path));
    this.elements.splice(i + 1, 0, ...copies);
    return true;
  }

  /** A new slice: a copy of the sliced element and its children, after its existing slices. */
  addSlice(id: string, entryId: string, sliceName: string): boolean {
    const i = this.index(entryId);
    const entry = this.elements[i];
    if (entry === undefined) return false;
    const end = endOfSubtree(this.elements, i, entryId);
    const path = stringProp(entry, 'path') ?? '';
    const copies: JsonObject[] = [];
    for (let j = i; j < end; j++) {
      const e = this.elements[j];
      const eid = e === undefined ? '' : idOf(e);
      if (e === undefined || (j > i && !eid.startsWith(`${entryId}.`))) continue; // not the other slices
      copies.push(rebase(e, entryId, id, path, path));
    }
    const [head] = copies;
    if (head === undefined) return false;
    Reflect.deleteProperty(head, 'slicing');
    head['sliceName'] = sliceName;
    this.elements.splice(end, 0, ...copies);
    return true;
  }

  /** Makes `id` exist: expands types along the way, creates slices. */
  ensure(id: string, depth = 0): number {
    const found = this.index(id);
    if (found >= 0 || depth > 20) return found;
    const dot = id.lastIndexOf('.');
    if (dot < 0) return -1;
    const parentId = id.slice(0, dot);
    const segment = id.slice(dot + 1);
    if (this.ensure(parentId, depth + 1) < 0) return -1;
    const colon = segment.indexOf(':');
    if (colon >= 0) {
      const entryId = `${parentId}.${segment.slice(0, colon)}`;
      if (this.ensure(entryId, depth + 1) < 0) return -1;
      if (!this.addSlice(id, entryId, segment.slice(colon + 1))) return -1;
      return this.index(id);
    }
    if (this.expand(parentId)) return this.ensure(id, depth + 1);
    return -1;
  }
}

/** `value[x]:valueQuantity` constrains value[x] to Quantity even when the differential says no more. */
function narrowTypeSlice(target: JsonObject, id: string): void {
  const m = /\.([a-z][A-Za-z0-9]*)\[x\]:([a-z][A-Za-z0-9]*)$/.exec(id);
  const types = arrayProp(target, 'type').filter(isJsonObject);
  if (m === null || types.length < 2) return;
  const [, stem = '', slice = ''] = m;
  const suffix = slice.slice(stem.length).toLowerCase();
  const kept = types.filter((t) => String(t['code']).toLowerCase() === suffix);
  if (kept.length > 0) target['type'] = kept;
}

/** A renamed choice (`valueQuantity`) keeps only the types it (and its siblings) name. */
function narrowTo(target: JsonObject, typesLowerCase: ReadonlySet<string>): void {
  const kept = arrayProp(target, 'type').filter(isJsonObject).filter((t) => typesLowerCase.has(String(t['code']).toLowerCase()));
  if (kept.length > 0) target['type'] = kept;
}

export function generateSnapshot(sd: JsonObject, sources: SnapshotSources): SnapshotResult {
  const baseUrl = stringProp(sd, 'baseDefinition');
  const base = baseUrl === undefined ? undefined : sources.withSnapshot(baseUrl);
  if (base === undefined) return { elements: [], errors: [`The base definition ${baseUrl ?? '(none)'} is not known to this server`] };
  const b = new Builder(clone(elementsOf(base, 'snapshot')), sources);
  const diff = elementsOf(sd, 'differential');
  const ids = deriveIds(diff);
  const errors: string[] = [];
  const renamed = new Map<string, Set<string>>();
  diff.forEach((d, n) => {
    const { id, renamedType } = normaliseChoices(ids[n] ?? '', (x) => b.index(x) >= 0);
    const i = b.ensure(id);
    const target = b.elements[i];
    if (target === undefined) {
      errors.push(`The differential element '${ids[n] ?? ''}' matches no element of the base ${baseUrl ?? ''}`);
      return;
    }
    merge(target, d);
    const colon = id.lastIndexOf(':');
    if (colon > id.lastIndexOf('.') && target['sliceName'] === undefined) target['sliceName'] = id.slice(colon + 1);
    narrowTypeSlice(target, id);
    if (renamedType !== undefined) {
      const types = renamed.get(id) ?? new Set<string>();
      types.add(renamedType.toLowerCase());
      renamed.set(id, types);
      narrowTo(target, types);
    }
  });
  return { elements: b.elements, errors };
}

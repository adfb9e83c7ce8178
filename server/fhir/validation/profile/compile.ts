import { arrayProp, isJsonObject, stringProp, type JsonObject } from '../../model/json-object.js';
import type { Binding, CompiledElement, CompiledProfile, Discriminator, Slicing, TypeRef } from './compiled-types.js';
import { compileConstraints } from './constraints.js';

/**
 * Compiles a StructureDefinition snapshot into a tree of elements keyed by id
 * (https://hl7.org/fhir/R4/elementdefinition.html#id): `Observation.component:SystolicBP.code`
 * is the `code` child of the `SystolicBP` slice of `Observation.component`. Type slices of a
 * choice (`value[x]:valueQuantity`, or the older renamed `valueQuantity`) become slices with
 * a `type` discriminator.
 */

const FHIR_TYPE_EXTENSION = 'http://hl7.org/fhir/StructureDefinition/structuredefinition-fhir-type';

/** What a profile inherits from its base, so that base validation (run anyway) is not repeated. */
export interface InheritedRules {
  /** The base definition's element for a profile element (by ElementDefinition.base.path). */
  baseElement(el: JsonObject): JsonObject | undefined;
}

function typeCode(t: JsonObject): string {
  const code = stringProp(t, 'code') ?? '';
  if (!code.startsWith('http://hl7.org/fhirpath/System.')) return code;
  for (const e of arrayProp(t, 'extension')) {
    if (isJsonObject(e) && e['url'] === FHIR_TYPE_EXTENSION) return stringProp(e, 'valueUrl') ?? code;
  }
  return code;
}

function typesOf(el: JsonObject): TypeRef[] {
  return arrayProp(el, 'type')
    .filter(isJsonObject)
    .map((t) => ({
      code: typeCode(t),
      profiles: arrayProp(t, 'profile').filter((p): p is string => typeof p === 'string'),
      targetProfiles: arrayProp(t, 'targetProfile').filter((p): p is string => typeof p === 'string'),
    }));
}

function valueX(el: JsonObject, prefix: 'fixed' | 'pattern'): unknown {
  for (const k in el) if (k.startsWith(prefix) && k.length > prefix.length) return el[k];
  return undefined;
}

function bindingOf(el: JsonObject): Binding | undefined {
  const b = el['binding'];
  if (!isJsonObject(b)) return undefined;
  const strength = b['strength'];
  const valueSet = stringProp(b, 'valueSet');
  if (valueSet === undefined) return undefined;
  if (strength !== 'required' && strength !== 'extensible' && strength !== 'preferred' && strength !== 'example') return undefined;
  return { strength, valueSet };
}

function slicingOf(el: JsonObject): Slicing | undefined {
  const s = el['slicing'];
  if (!isJsonObject(s)) return undefined;
  const discriminators: Discriminator[] = [];
  for (const d of arrayProp(s, 'discriminator')) {
    if (!isJsonObject(d)) continue;
    const type = d['type'];
    const path = stringProp(d, 'path') ?? '$this';
    if (type === 'value' || type === 'pattern' || type === 'type' || type === 'profile' || type === 'exists') discriminators.push({ type, path });
  }
  const rules = s['rules'] === 'closed' || s['rules'] === 'openAtEnd' ? s['rules'] : 'open';
  return { discriminators, rules, ordered: s['ordered'] === true };
}

function parseMax(max: unknown): number {
  if (max === '*' || typeof max !== 'string') return Infinity;
  const n = Number(max);
  return Number.isInteger(n) ? n : Infinity;
}

function sameBinding(a: Binding | undefined, base: JsonObject | undefined): boolean {
  const b = base === undefined ? undefined : bindingOf(base);
  if (a === undefined || b === undefined) return false;
  return a.strength === b.strength && a.valueSet.split('|')[0] === b.valueSet.split('|')[0];
}

interface Ctx {
  readonly sdType: string;
  readonly kind: string;
  readonly profile: boolean;
  readonly inherited: InheritedRules;
}

function constraintBase(ctx: Ctx, path: string): string | undefined {
  if (!path.includes('.')) return ctx.kind === 'resource' ? undefined : ctx.sdType;
  return path.replace(/\[x\]/g, '');
}

function element(ctx: Ctx, el: JsonObject, id: string, name: string, sliceName: string | undefined): CompiledElement {
  const path = stringProp(el, 'path') ?? id;
  const base = ctx.profile ? ctx.inherited.baseElement(el) : undefined;
  const baseKeys = new Set(arrayProp(base ?? {}, 'constraint').flatMap((c) => (isJsonObject(c) && typeof c['key'] === 'string' ? [c['key']] : [])));
  const binding = bindingOf(el);
  const fixed = valueX(el, 'fixed');
  const pattern = valueX(el, 'pattern');
  const contentReference = stringProp(el, 'contentReference');
  const slicing = slicingOf(el);
  return {
    id,
    path,
    name,
    min: typeof el['min'] === 'number' ? el['min'] : 0,
    max: parseMax(el['max']),
    types: typesOf(el),
    choice: path.endsWith('[x]'),
    ...(fixed === undefined ? {} : { fixed }),
    ...(pattern === undefined ? {} : { pattern }),
    ...(binding === undefined || sameBinding(binding, base) ? {} : { binding }),
    constraints: compileConstraints(arrayProp(el, 'constraint'), constraintBase(ctx, path), (c) => baseKeys.has(String(c['key']))),
    children: new Map(),
    ...(slicing === undefined ? {} : { slicing }),
    slices: [],
    ...(sliceName === undefined ? {} : { sliceName }),
    ...(contentReference === undefined ? {} : { contentReference: contentReference.replace(/^[^#]*#/, '') }),
    isRoot: !path.includes('.'),
  };
}

/** `a.b:s.c` → parent id `a.b:s`, last segment `c`. */
function splitId(id: string): [string, string] {
  const i = id.lastIndexOf('.');
  return [id.slice(0, i), id.slice(i + 1)];
}

const TYPE_SLICING: Slicing = { discriminators: [{ type: 'type', path: '$this' }], rules: 'open', ordered: false };

/** Attaches one element to its parent; choice renames become type slices. */
function attach(parent: CompiledElement, node: CompiledElement, segment: string): void {
  const [rawName = '', sliceName] = segment.split(':');
  const name = rawName.replace(/\[x\]$/, '');
  if (sliceName !== undefined) {
    const entry = parent.children.get(name);
    entry?.slices.push(node);
    return;
  }
  const choiceStem = [...parent.children.values()].find((c) => c.choice && name.startsWith(c.name) && name.length > c.name.length);
  if (choiceStem !== undefined && !parent.children.has(name)) {
    choiceStem.slices.push(node);
    return;
  }
  parent.children.set(name, node);
}

function withTypeSlicing(node: CompiledElement): CompiledElement {
  return node.choice && node.slices.length > 0 && node.slicing === undefined ? { ...node, slicing: TYPE_SLICING } : node;
}

/** Compiles a StructureDefinition that has a snapshot. */
export function compileProfile(sd: JsonObject, inherited: InheritedRules): CompiledProfile | undefined {
  const snapshot = sd['snapshot'];
  const elements = isJsonObject(snapshot) ? arrayProp(snapshot, 'element').filter(isJsonObject) : [];
  const [first, ...rest] = elements;
  const type = stringProp(sd, 'type');
  if (first === undefined || type === undefined) return undefined;
  const ctx: Ctx = { sdType: type, kind: stringProp(sd, 'kind') ?? 'resource', profile: sd['derivation'] === 'constraint', inherited };
  const rootId = stringProp(first, 'id') ?? stringProp(first, 'path') ?? type;
  const byId = new Map<string, CompiledElement>();
  const root = element(ctx, first, rootId, rootId, undefined);
  byId.set(rootId, root);
  for (const el of rest) {
    const path = stringProp(el, 'path') ?? '';
    const sliceName = stringProp(el, 'sliceName');
    const id = stringProp(el, 'id') ?? (sliceName === undefined ? path : `${path}:${sliceName}`);
    const [parentId, segment] = splitId(id);
    const parent = byId.get(parentId);
    if (parent === undefined) continue;
    const name = (segment.split(':')[0] ?? '').replace(/\[x\]$/, '');
    const node = element(ctx, el, id, name, segment.includes(':') ? segment.slice(segment.indexOf(':') + 1) : undefined);
    attach(parent, node, segment);
    byId.set(id, node);
  }
  // Choice elements with type slices but no declared slicing discriminate by type.
  for (const node of byId.values()) {
    for (const [name, child] of node.children) node.children.set(name, withTypeSlicing(child));
  }
  return { url: stringProp(sd, 'url') ?? '', type, derivation: ctx.profile ? 'constraint' : 'specialization', root, byId };
}

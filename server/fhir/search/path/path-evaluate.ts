import { referenceType } from '../../../store/search/reference.js';
import type { TypedValue } from '../../../store/search/rows.js';
import { choiceProperty, elementAt, isComplexType } from './element-model.js';
import type { PathTerm, Step } from './path-parse.js';

/** A value being navigated: its JSON, FHIR type and definition path (for backbone elements). */
export interface PathNode extends TypedValue {
  readonly path: string;
}

interface ChildSpec {
  readonly property: string;
  readonly type: string;
  /** Where the child's own children are defined. */
  readonly path: string;
}

/** Profiles of Quantity that `ofType(Quantity)` also accepts. */
const QUANTITY_KINDS = new Set(['Quantity', 'Age', 'Count', 'Distance', 'Duration', 'MoneyQuantity', 'SimpleQuantity']);

/**
 * parent path → parent type → property name → specs. Nested maps rather than one
 * map under a joined key: building that key for every step of every expression
 * was the costliest part of index extraction.
 */
const childCache = new Map<string, Map<string, Map<string, readonly ChildSpec[]>>>();

function cacheFor(parentPath: string, parentType: string): Map<string, readonly ChildSpec[]> {
  let byType = childCache.get(parentPath);
  if (byType === undefined) {
    byType = new Map();
    childCache.set(parentPath, byType);
  }
  let byName = byType.get(parentType);
  if (byName === undefined) {
    byName = new Map();
    byType.set(parentType, byName);
  }
  return byName;
}

function childSpecs(parentPath: string, parentType: string, name: string): readonly ChildSpec[] {
  const cache = cacheFor(parentPath, parentType);
  const hit = cache.get(name);
  if (hit !== undefined) return hit;
  let defPath = `${parentPath}.${name}`;
  let el = elementAt(defPath);
  if (el === undefined && parentType !== parentPath) {
    defPath = `${parentType}.${name}`;
    el = elementAt(defPath);
  }
  const specs: ChildSpec[] = [];
  if (el !== undefined) {
    if (el.contentReference !== undefined) {
      specs.push({ property: name, type: 'BackboneElement', path: el.contentReference });
    } else if (el.choice) {
      for (const t of el.types) specs.push({ property: choiceProperty(name, t), type: t, path: t });
    } else {
      const t = el.types[0] ?? 'Element';
      const inline = t === 'BackboneElement' || t === 'Element' || !isComplexType(t);
      specs.push({ property: name, type: t, path: inline ? defPath : t });
    }
  }
  cache.set(name, specs);
  return specs;
}

/** Whether a node of `nodeType` at definition path `nodePath` passes `ofType(type)`. */
function isOfType(nodeType: string, nodePath: string, type: string): boolean {
  if (nodeType === type) return true;
  if (type === 'Quantity') return QUANTITY_KINDS.has(nodeType);
  return type === 'Resource' || type === 'DomainResource' ? /^[A-Z]/.test(nodeType) && nodePath === nodeType : false;
}

/**
 * Walks steps without `[n]` depth first, adding the nodes they end on to `out`.
 * Depth first gives the same nodes in the same order as stepping a whole
 * collection at a time (each of these steps acts on each node alone), without an
 * array and a node object per intermediate step: those were a third of index
 * extraction's allocations, and allocation is a large share of a bulk load's CPU.
 */
function walkTerm(steps: readonly Step[], at: number, value: unknown, type: string, path: string, base: string, out: PathNode[]): void {
  const step = steps[at];
  if (step === undefined) {
    out.push({ value, type, path });
    return;
  }
  const next = at + 1;
  switch (step.kind) {
    case 'child': {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) return;
      const obj = value as Record<string, unknown>;
      for (const spec of childSpecs(path, type, step.name)) {
        const v = obj[spec.property];
        if (Array.isArray(v)) for (const item of v) walkChild(steps, next, item, spec, base, out);
        else walkChild(steps, next, v, spec, base, out);
      }
      return;
    }
    case 'ofType':
      if (isOfType(type, path, step.type)) walkTerm(steps, next, value, type, path, base, out);
      return;
    case 'resolveIs':
      if (referenceType(value, base) === step.type) walkTerm(steps, next, value, type, path, base, out);
      return;
    case 'whereEq':
      if ((value as Record<string, unknown> | null)?.[step.field] === step.value) walkTerm(steps, next, value, type, path, base, out);
      return;
    case 'index':
      throw new Error('walkTerm: [n] needs the whole collection (see evaluateSteps)');
  }
}

/** A child value, typed by its spec (an inline resource by its resourceType), walked on. */
function walkChild(steps: readonly Step[], at: number, value: unknown, spec: ChildSpec, base: string, out: PathNode[]): void {
  if (value === undefined || value === null) return;
  if ((spec.type === 'Resource' || spec.type === 'DomainResource') && typeof value === 'object') {
    const rt = (value as Record<string, unknown>)['resourceType'];
    if (typeof rt === 'string') {
      walkTerm(steps, at, value, rt, rt, base, out);
      return;
    }
  }
  walkTerm(steps, at, value, spec.type, spec.path, base, out);
}

const isIndexStep = (s: Step): boolean => s.kind === 'index';

/**
 * Steps from `start`, adding the nodes they end on to `out`. `[n]` picks from the
 * whole collection the steps before it yield, so those are collected first.
 */
function evaluateSteps(steps: readonly Step[], start: PathNode, base: string, out: PathNode[]): void {
  const at = steps.findIndex(isIndexStep);
  const step = steps[at];
  if (step?.kind !== 'index') {
    walkTerm(steps, 0, start.value, start.type, start.path, base, out);
    return;
  }
  const before: PathNode[] = [];
  walkTerm(steps.slice(0, at), 0, start.value, start.type, start.path, base, before);
  const picked = before[step.index];
  if (picked !== undefined) evaluateSteps(steps.slice(at + 1), picked, base, out);
}

/**
 * Evaluates parsed terms against a resource (or, for composite components, a
 * context node). `base` is this server's FHIR base URL, to type references.
 */
export function evaluateTerms(terms: readonly PathTerm[], resource: PathNode, context: PathNode, base: string): PathNode[] {
  const out: PathNode[] = [];
  for (const t of terms) {
    if (t.root !== undefined && t.root !== resource.type && t.root !== 'Resource' && t.root !== 'DomainResource') continue;
    evaluateSteps(t.steps, t.fromResource || t.root !== undefined ? resource : context, base, out);
  }
  return out;
}

/** The root node of a resource. */
export function resourceNode(resource: Record<string, unknown> & { resourceType: string }): PathNode {
  return { value: resource, type: resource.resourceType, path: resource.resourceType };
}

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

function pushValue(out: PathNode[], value: unknown, spec: ChildSpec): void {
  if (value === undefined || value === null) return;
  if ((spec.type === 'Resource' || spec.type === 'DomainResource') && typeof value === 'object') {
    const rt = (value as Record<string, unknown>)['resourceType'];
    if (typeof rt === 'string') {
      out.push({ value, type: rt, path: rt });
      return;
    }
  }
  out.push({ value, type: spec.type, path: spec.path });
}

function children(nodes: readonly PathNode[], name: string): PathNode[] {
  const out: PathNode[] = [];
  for (const n of nodes) {
    if (typeof n.value !== 'object' || n.value === null || Array.isArray(n.value)) continue;
    const obj = n.value as Record<string, unknown>;
    for (const spec of childSpecs(n.path, n.type, name)) {
      const v = obj[spec.property];
      if (Array.isArray(v)) for (const item of v) pushValue(out, item, spec);
      else pushValue(out, v, spec);
    }
  }
  return out;
}

function isOfType(node: PathNode, type: string): boolean {
  if (node.type === type) return true;
  if (type === 'Quantity') return QUANTITY_KINDS.has(node.type);
  return type === 'Resource' || type === 'DomainResource' ? /^[A-Z]/.test(node.type) && node.path === node.type : false;
}

function applyStep(nodes: PathNode[], step: Step, base: string): PathNode[] {
  switch (step.kind) {
    case 'child':
      return children(nodes, step.name);
    case 'ofType':
      return nodes.filter((n) => isOfType(n, step.type));
    case 'resolveIs':
      return nodes.filter((n) => referenceType(n.value, base) === step.type);
    case 'whereEq':
      return nodes.filter((n) => {
        const v = (n.value as Record<string, unknown> | null)?.[step.field];
        return v === step.value;
      });
    case 'index': {
      const n = nodes[step.index];
      return n === undefined ? [] : [n];
    }
  }
}

/**
 * Evaluates parsed terms against a resource (or, for composite components, a
 * context node). `base` is this server's FHIR base URL, to type references.
 */
export function evaluateTerms(terms: readonly PathTerm[], resource: PathNode, context: PathNode, base: string): PathNode[] {
  const out: PathNode[] = [];
  for (const t of terms) {
    if (t.root !== undefined && t.root !== resource.type && t.root !== 'Resource' && t.root !== 'DomainResource') continue;
    let nodes: PathNode[] = [t.fromResource || t.root !== undefined ? resource : context];
    for (const step of t.steps) {
      nodes = applyStep(nodes, step, base);
      if (nodes.length === 0) break;
    }
    out.push(...nodes);
  }
  return out;
}

/** The root node of a resource. */
export function resourceNode(resource: Record<string, unknown> & { resourceType: string }): PathNode {
  return { value: resource, type: resource.resourceType, path: resource.resourceType };
}

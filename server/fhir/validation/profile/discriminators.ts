import { isJsonObject, type JsonObject } from '../../model/json-object.js';
import type { CompiledElement, CompiledProfile, Discriminator } from './compiled-types.js';
import { equalsFixed, matchesPattern } from './fixed-pattern.js';
import { typeFromSuffix } from './items.js';

/**
 * Evaluates slicing discriminators (https://hl7.org/fhir/R4/profiling.html#discriminator):
 * the discriminator path is followed both in the instance and in the slice's definition
 * (into fixed/pattern values and type profiles where the slice's own elements stop).
 * Paths are the restricted FHIRPath the spec allows: element names, `extension('url')`,
 * `resolve()`, `ofType(T)` and `$this`.
 */

type Step =
  | { readonly kind: 'name'; readonly name: string }
  | { readonly kind: 'extension'; readonly url: string }
  | { readonly kind: 'resolve' }
  | { readonly kind: 'ofType'; readonly type: string };

const STEP = /^(?:extension\('([^']*)'\)|resolve\(\)|ofType\(([A-Za-z]+)\)|([A-Za-z][A-Za-z0-9_]*)(?:\[x\])?)$/;

function splitPath(path: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of path) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === '.' && depth === 0) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out;
}

const parsed = new Map<string, Step[] | null>();

/** null for a path this evaluator does not understand (the slice then does not match). */
export function parseDiscriminatorPath(path: string): Step[] | null {
  let steps = parsed.get(path);
  if (steps !== undefined) return steps;
  steps = [];
  for (const seg of path === '$this' ? [] : splitPath(path)) {
    if (seg === '$this') continue;
    const m = STEP.exec(seg);
    if (m === null) {
      steps = null;
      break;
    }
    if (m[1] !== undefined) steps.push({ kind: 'extension', url: m[1] });
    else if (m[2] !== undefined) steps.push({ kind: 'ofType', type: m[2] });
    else if (m[3] !== undefined) steps.push({ kind: 'name', name: m[3] });
    else steps.push({ kind: 'resolve' });
  }
  parsed.set(path, steps);
  return steps;
}

/** A value in the instance reached by a discriminator path. */
export interface Node {
  readonly value: unknown;
  readonly type: string;
}

export interface DiscriminatorContext {
  profile(url: string): CompiledProfile | undefined;
  /** Type of the resource a Reference points to, if known. */
  referencedType(ref: JsonObject): string | undefined;
  /** The type a profile (or base definition) constrains. */
  typeOfProfile(url: string): string | undefined;
  /** Whether a value conforms to a profile (no errors). */
  conforms(value: unknown, type: string, profileUrl: string): boolean;
}

function children(node: Node, name: string): Node[] {
  const obj = node.value;
  if (!isJsonObject(obj)) return [];
  const out: Node[] = [];
  const push = (v: unknown, type: string): void => {
    if (Array.isArray(v)) for (const x of v) out.push({ value: x, type });
    else if (v !== undefined) out.push({ value: v, type });
  };
  if (name in obj) push(obj[name], '');
  else {
    for (const k in obj) {
      if (k.length > name.length && k.startsWith(name) && k.charCodeAt(name.length) < 91 && k.charCodeAt(name.length) > 64) push(obj[k], typeFromSuffix(k.slice(name.length)));
    }
  }
  return out;
}

export function instanceNodes(start: Node, steps: readonly Step[], ctx: DiscriminatorContext): Node[] {
  let nodes = [start];
  for (const step of steps) {
    const next: Node[] = [];
    for (const n of nodes) {
      switch (step.kind) {
        case 'name':
          next.push(...children(n, step.name));
          break;
        case 'extension':
          next.push(...children(n, 'extension').filter((e) => isJsonObject(e.value) && e.value['url'] === step.url).map((e) => ({ ...e, type: 'Extension' })));
          break;
        case 'resolve': {
          const t = isJsonObject(n.value) ? ctx.referencedType(n.value) : undefined;
          if (t !== undefined) next.push({ value: undefined, type: t });
          break;
        }
        case 'ofType':
          if (n.type === step.type || (isJsonObject(n.value) && n.value['resourceType'] === step.type)) next.push(n);
          break;
      }
    }
    nodes = next;
  }
  return nodes;
}

/** What the slice's definition says at the discriminator path (one alternative per branch followed). */
export interface Expected {
  readonly element: CompiledElement | undefined;
  /** fixed or pattern value found at (or above) the path, narrowed to the path. */
  readonly values: readonly unknown[];
  readonly exact: boolean;
}

function intoValue(values: readonly unknown[], name: string): unknown[] {
  return values.flatMap((v) => {
    if (!isJsonObject(v)) return [];
    const x = v[name];
    return Array.isArray(x) ? (x as unknown[]) : x === undefined ? [] : [x];
  });
}

function stepInto(e: Expected, step: Step, ctx: DiscriminatorContext): Expected[] {
  const el = e.element;
  if (el === undefined) return step.kind === 'name' ? [{ element: undefined, values: intoValue(e.values, step.name), exact: e.exact }] : [];
  const fv = el.fixed ?? el.pattern;
  if (step.kind === 'name' && fv !== undefined && !el.children.has(step.name)) {
    return [{ element: undefined, values: intoValue([fv], step.name), exact: el.fixed !== undefined }];
  }
  const next = nextElement(el, step, ctx);
  if (next !== undefined) return [{ element: next, values: [], exact: false }];
  // A sliced element whose own definition stops here: its slices say what to expect
  // (e.g. code.coding.code where code.coding is sliced into fixed codings).
  return el.slices.flatMap((s) => stepInto({ element: s, values: [], exact: false }, step, ctx));
}

/** Follows the steps through the slice definition, then into its fixed/pattern values. */
export function expectedAt(slice: CompiledElement, steps: readonly Step[], ctx: DiscriminatorContext): Expected[] {
  let alternatives: Expected[] = [{ element: slice, values: [], exact: false }];
  for (const step of steps) alternatives = alternatives.flatMap((a) => stepInto(a, step, ctx));
  return alternatives.map((a) => {
    const fv = a.element?.fixed ?? a.element?.pattern;
    return a.element !== undefined && fv !== undefined ? { element: a.element, values: [fv], exact: a.element.fixed !== undefined } : a;
  });
}

function nextElement(el: CompiledElement, step: Step, ctx: DiscriminatorContext): CompiledElement | undefined {
  const kids = el.children.size > 0 ? el.children : profileRoot(el, ctx)?.children;
  switch (step.kind) {
    case 'name':
      return kids?.get(step.name);
    case 'extension':
      return kids?.get('extension')?.slices.find((s) => extensionUrlOf(s, ctx) === step.url);
    case 'resolve':
    case 'ofType':
      return el;
  }
}

function profileRoot(el: CompiledElement, ctx: DiscriminatorContext): CompiledElement | undefined {
  const url = el.types[0]?.profiles[0];
  return url === undefined ? undefined : ctx.profile(url)?.root;
}

/** The URL an extension slice stands for: its fixed `url`, else its type profile. */
export function extensionUrlOf(slice: CompiledElement, ctx: DiscriminatorContext): string | undefined {
  const fixed = slice.children.get('url')?.fixed;
  if (typeof fixed === 'string') return fixed;
  const profile = slice.types[0]?.profiles[0];
  if (profile === undefined) return undefined;
  const fromProfile = ctx.profile(profile)?.root.children.get('url')?.fixed;
  return typeof fromProfile === 'string' ? fromProfile : profile.split('|')[0];
}

/** Whether an instance value at the discriminator path matches the slice. */
export function discriminatorMatches(slice: CompiledElement, start: Node, d: Discriminator, ctx: DiscriminatorContext): boolean {
  const steps = parseDiscriminatorPath(d.path);
  if (steps === null) return false;
  const nodes = instanceNodes(start, steps, ctx);
  switch (d.type) {
    case 'value':
    case 'pattern': {
      // Extension slices are told apart by url, which comes from the type profile when the
      // slice does not spell out its url element (https://hl7.org/fhir/R4/profiling.html#slicing).
      const last = steps[steps.length - 1];
      if (last?.kind === 'name' && last.name === 'url' && steps.length === 1) {
        const url = extensionUrlOf(slice, ctx);
        if (url !== undefined) return nodes.some((n) => n.value === url);
      }
      return expectedAt(slice, steps, ctx).some(
        (e) => e.values.length > 0 && e.values.every((ev) => nodes.some((n) => (e.exact ? equalsFixed(n.value, ev) : matchesPattern(n.value, ev)))),
      );
    }
    case 'type': {
      const elements = expectedAt(slice, steps, ctx).flatMap((e) => (e.element === undefined ? [] : [e.element]));
      // After resolve() the type is the referenced resource's: the targets of the Reference.
      const viaResolve = steps[steps.length - 1]?.kind === 'resolve';
      const allowed = new Set(
        (elements.length > 0 ? elements : [slice]).flatMap((e) =>
          e.types.flatMap((t) => (viaResolve ? t.targetProfiles.map((p) => ctx.typeOfProfile(p) ?? '') : [t.code])),
        ),
      );
      return nodes.length > 0 && nodes.every((n) => allowed.has(n.type) || allowed.has(resourceTypeOf(n)));
    }
    case 'profile': {
      const elements = expectedAt(slice, steps, ctx).flatMap((e) => (e.element === undefined ? [] : [e.element]));
      const profiles = (elements.length > 0 ? elements : [slice]).flatMap((e) => e.types.flatMap((t) => (t.profiles.length > 0 ? t.profiles : t.targetProfiles)));
      return nodes.length > 0 && nodes.every((n) => profiles.some((p) => ctx.conforms(n.value, n.type, p)));
    }
    case 'exists': {
      const element = expectedAt(slice, steps, ctx)[0]?.element;
      if (element === undefined) return false;
      return element.min > 0 ? nodes.length > 0 : element.max === 0 ? nodes.length === 0 : true;
    }
  }
}

function resourceTypeOf(n: Node): string {
  return isJsonObject(n.value) && typeof n.value['resourceType'] === 'string' ? n.value['resourceType'] : '';
}

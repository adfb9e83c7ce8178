import { isJsonObject } from '../../model/json-object.js';
import { OPEN_TYPE_SUFFIXES } from '../../model/open-types.js';

/**
 * Most FHIR invariants are boolean combinations guarded by the presence of an element:
 * `contentReference.empty() or (...)`, `binding.exists() implies (...)`,
 * `value.empty() or system.exists()`, `contained.meta.versionId.empty() and ...`. Looking at
 * which elements the JSON object has often settles them without a FHIRPath engine. This reads
 * an expression's boolean skeleton once (`and` / `or` / `implies`, parentheses, and atoms
 * `path.empty()`, `path.exists()`, `path.hasValue()` with an optional `.not()`), and returns a
 * test that answers "certainly holds"; anything else is left to fhirpath.js.
 */

export type Shortcut = (value: unknown) => boolean;

type Tri = 0 | 1 | 2; // false, true, unknown
const F: Tri = 0;
const T: Tri = 1;
const U: Tri = 2;

type Node = (obj: unknown) => Tri;

/** Splits at a top-level keyword operator (outside parentheses and string literals). */
export function splitTop(expr: string, op: 'or' | 'and' | 'implies'): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quote = false;
  let start = 0;
  const needle = ` ${op} `;
  for (let i = 0; i < expr.length; i++) {
    const c = expr[i];
    if (c === "'" && expr[i - 1] !== '\\') quote = !quote;
    if (quote) continue;
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (depth === 0 && expr.startsWith(needle, i)) {
      parts.push(expr.slice(start, i).trim());
      start = i + needle.length;
      i += needle.length - 1;
    }
  }
  parts.push(expr.slice(start).trim());
  return parts;
}

function balanced(s: string): boolean {
  let depth = 0;
  for (const c of s) {
    if (c === '(') depth++;
    else if (c === ')' && --depth < 0) return false;
  }
  return depth === 0;
}

function unwrap(term: string): string {
  let t = term.trim();
  while (t.startsWith('(') && t.endsWith(')') && balanced(t.slice(1, -1))) t = t.slice(1, -1).trim();
  return t;
}

/** Whether JSON key `key` holds element `name`: itself, a choice form, or the `_name` extension twin. */
function isElementKey(key: string, name: string): boolean {
  const at = key.charCodeAt(0) === 95 ? 1 : 0; // '_': https://hl7.org/fhir/R4/json.html#primitive
  if (!key.startsWith(name, at)) return false;
  const rest = key.length - at - name.length;
  // A choice element's JSON name ends in a type of the open list (formats.html#choice):
  // `valueQuantity` is `value`, but `periodUnit` and `durationMax` are elements of their own.
  return rest === 0 || OPEN_TYPE_SUFFIXES.has(key.slice(at + name.length));
}

/**
 * Whether a member path (`contained.meta.versionId`) selects anything from a JSON object.
 * U where the answer needs more than the JSON shape (a step into a primitive or a nested
 * resource's own typing).
 */
function pathPresence(obj: unknown, names: readonly string[]): Tri {
  if (!isJsonObject(obj)) return U;
  let nodes: unknown[] = [obj];
  for (const [step, name] of names.entries()) {
    const next: unknown[] = [];
    for (const node of nodes) {
      if (!isJsonObject(node)) return U;
      for (const key in node) {
        if (!isElementKey(key, name)) continue;
        const value = node[key];
        // Nulls only align primitive arrays with their `_name` twins; they are no element.
        if (Array.isArray(value)) {
          for (const item of value) if (item !== null) next.push(item);
        } else if (value !== null) {
          next.push(value);
        }
      }
    }
    if (next.length === 0) return F;
    if (step === names.length - 1) return T;
    nodes = next;
  }
  return U;
}

/** Functions that turn an empty collection into an empty one (https://hl7.org/fhir/fhirpath.html#functions). */
const EMPTY_PRESERVING = new Set(['where', 'select', 'ofType', 'first', 'last', 'tail', 'distinct', 'as']);

/** `component.code.where(…)` → the member path and whether emptiness-preserving calls follow it; undefined if it is not such a chain. */
function chainOf(text: string): { names: string[]; calls: boolean } | undefined {
  const names: string[] = [];
  let i = 0;
  let calls = false;
  while (i < text.length) {
    // The first step is a bare name, every later one starts with a dot.
    const m = (i === 0 ? /^([a-zA-Z]+)/ : /^\.([a-zA-Z]+)/).exec(text.slice(i));
    if (m?.[1] === undefined) return undefined;
    i += m[0].length;
    if (text[i] !== '(') {
      if (calls) return undefined; // a member step after a call: typing is no longer plain JSON
      names.push(m[1]);
      continue;
    }
    if (!EMPTY_PRESERVING.has(m[1])) return undefined;
    const close = matchingParen(text, i);
    if (close < 0) return undefined;
    calls = true;
    i = close + 1;
  }
  return names.length === 0 ? undefined : { names, calls };
}

/** Index of the `)` closing the `(` at `open`, skipping string literals; -1 when unbalanced. */
function matchingParen(text: string, open: number): number {
  let depth = 0;
  let quote = false;
  for (let i = open; i < text.length; i++) {
    const c = text[i];
    if (c === "'" && text[i - 1] !== '\\') quote = !quote;
    if (quote) continue;
    if (c === '(') depth++;
    else if (c === ')' && --depth === 0) return i;
  }
  return -1;
}

const ATOM_END = /\.(empty|exists|hasValue)\(\)(\.not\(\))?$/;

function atom(term: string): Node | undefined {
  const end = ATOM_END.exec(term);
  if (end === null) return undefined;
  const chain = chainOf(term.slice(0, end.index));
  if (chain === undefined) return undefined;
  const [, fn, not] = end;
  const { names, calls } = chain;
  // Nothing selected settles exists / hasValue / empty. Something selected settles
  // exists only for a plain member path (calls such as where() may still filter it out),
  // and never hasValue (a primitive holding only extensions has no value).
  const existsNode: Node = (obj) => {
    const p = pathPresence(obj, names);
    return calls || fn === 'hasValue' ? (p === F ? F : U) : p;
  };
  const base: Node = fn === 'empty' ? (obj) => negate(existsNode(obj)) : existsNode;
  return not === undefined ? base : (obj) => negate(base(obj));
}

function negate(t: Tri): Tri {
  return t === U ? U : t === T ? F : T;
}

function parse(expr: string): Node {
  const e = unwrap(expr);
  const implies = splitTop(e, 'implies');
  if (implies.length === 2) {
    const a = parse(implies[0] ?? '');
    const b = parse(implies[1] ?? '');
    return (obj) => {
      const left = a(obj);
      if (left === F) return T;
      const right = b(obj);
      if (right === T) return T;
      return left === T && right === F ? F : U;
    };
  }
  const ors = splitTop(e, 'or');
  if (ors.length > 1) {
    const nodes = ors.map(parse);
    return (obj) => {
      let all = T;
      for (const n of nodes) {
        const r = n(obj);
        if (r === T) return T;
        if (r === U) all = U;
      }
      return all === T ? F : U;
    };
  }
  const ands = splitTop(e, 'and');
  if (ands.length > 1) {
    const nodes = ands.map(parse);
    return (obj) => {
      let all = T;
      for (const n of nodes) {
        const r = n(obj);
        if (r === F) return F;
        if (r === U) all = U;
      }
      return all;
    };
  }
  return atom(e) ?? (() => U);
}

/**
 * Invariants whose whole expression is answered natively, by exact text: frequent in
 * real data (Synthea's US Core Observations, Timing in every MedicationRequest) and
 * beyond the presence skeleton.
 */
const EXACT: ReadonlyMap<string, Shortcut> = new Map<string, Shortcut>([
  // us-core-1 (US Core Observation.effective[x]): a dateTime has at least a day. A string of
  // 8 or more characters holds whatever its type (an instant is no dateTime: empty, which
  // holds); shorter strings and Periods are left to the engine.
  ['($this as dateTime).toString().length() >= 8', (v) => typeof v === 'string' && v.length >= 8],
  // tim-5 (https://hl7.org/fhir/R4/datatypes.html#Timing): a period is not negative.
  ['period.exists() implies period >= 0', (v) => isJsonObject(v) && (typeof v['period'] === 'number' ? v['period'] >= 0 : !('period' in v) && !('_period' in v))],
]);

/** A test answering "certainly holds", or undefined when the expression has no usable skeleton. */
export function shortcutFor(expression: string): Shortcut | undefined {
  const exact = EXACT.get(expression);
  if (exact !== undefined) return exact;
  const node = parse(expression);
  if (node({}) === U && node({ x: 1 }) === U && !/\.(empty|exists|hasValue)\(\)/.test(expression)) return undefined;
  return (value) => node(value) === T;
}

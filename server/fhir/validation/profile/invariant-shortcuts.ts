import { isJsonObject } from '../../model/json-object.js';

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

/** Whether the JSON object has an element (choice forms `nameX` and `_name` twins included). */
function presence(obj: unknown, name: string): Tri {
  if (!isJsonObject(obj)) return U;
  for (const k in obj) {
    const at = k.charCodeAt(0) === 95 ? 1 : 0;
    if (!k.startsWith(name, at)) continue;
    const next = k.charCodeAt(at + name.length);
    if (Number.isNaN(next) || (next >= 65 && next <= 90)) return T;
  }
  return F;
}

const ATOM = /^([a-zA-Z]+)((?:\.[a-zA-Z]+)*)\.(empty|exists|hasValue)\(\)(\.not\(\))?$/;

function atom(term: string): Node | undefined {
  const m = ATOM.exec(term);
  if (m === null) return undefined;
  const [, name = '', rest = '', fn, not] = m;
  const single = rest === '';
  // exists / hasValue on the first element: absent → false; present → true only for a
  // single-step path (a deeper path may still be empty). hasValue of a `_name`-only primitive
  // is false, so presence decides it only when absent.
  const existsNode: Node = (obj) => {
    const p = presence(obj, name);
    if (p !== T) return p;
    return single && fn === 'exists' ? T : U;
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

/** A test answering "certainly holds", or undefined when the expression has no usable skeleton. */
export function shortcutFor(expression: string): Shortcut | undefined {
  const node = parse(expression);
  if (node({}) === U && node({ x: 1 }) === U && !/\.(empty|exists|hasValue)\(\)/.test(expression)) return undefined;
  return (value) => node(value) === T;
}

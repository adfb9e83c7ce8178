/**
 * A parser for the subset of FHIRPath that SearchParameter expressions use
 * (https://hl7.org/fhir/R4/searchparameter-registry.html): unions of paths with
 * `ofType()` / `as` type filters, `where(resolve() is T)`, `where(field='x')`,
 * `[n]` / `first()` and `%resource`. Every official R4 expression but one
 * (`Patient.deceased.exists() and ...`) is in the subset; anything outside it
 * returns undefined and is evaluated by fhirpath.js instead.
 */

export type Step =
  | { readonly kind: 'child'; readonly name: string }
  | { readonly kind: 'ofType'; readonly type: string }
  | { readonly kind: 'resolveIs'; readonly type: string }
  | { readonly kind: 'whereEq'; readonly field: string; readonly value: string }
  | { readonly kind: 'index'; readonly index: number };

/** A path from the resource root (`type` names the type it applies to) or from the context node. */
export interface PathTerm {
  /** Resource type the term starts from; undefined when the term is relative. */
  readonly root: string | undefined;
  /** True for `%resource.…`: evaluated from the resource even inside a composite. */
  readonly fromResource: boolean;
  readonly steps: readonly Step[];
}

/** FHIRPath system types spelled as FHIR types (`value.ofType(DateTime)` in R4 Observation-code-value-date). */
const SYSTEM_TYPES: Readonly<Record<string, string>> = {
  DateTime: 'dateTime',
  String: 'string',
  Boolean: 'boolean',
  Decimal: 'decimal',
  Integer: 'integer',
  Date: 'date',
  Time: 'time',
};

const fhirType = (t: string): string => SYSTEM_TYPES[t] ?? t;

class Cursor {
  pos = 0;
  constructor(readonly text: string) {}
  skipSpace(): void {
    while (this.text[this.pos] === ' ') this.pos += 1;
  }
  eat(s: string): boolean {
    this.skipSpace();
    if (!this.text.startsWith(s, this.pos)) return false;
    this.pos += s.length;
    return true;
  }
  ident(): string | undefined {
    this.skipSpace();
    const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(this.text.slice(this.pos));
    if (m === null) return undefined;
    this.pos += m[0].length;
    return m[0];
  }
  literal(): string | undefined {
    this.skipSpace();
    const m = /^'((?:[^'\\]|\\.)*)'/.exec(this.text.slice(this.pos));
    if (m === null) return undefined;
    this.pos += m[0].length;
    return (m[1] ?? '').replace(/\\(.)/g, '$1');
  }
  done(): boolean {
    this.skipSpace();
    return this.pos >= this.text.length;
  }
}

function parseWhere(c: Cursor): Step | undefined {
  if (c.eat('resolve()')) {
    if (!c.eat('is')) return undefined;
    const type = c.ident();
    return type === undefined || !c.eat(')') ? undefined : { kind: 'resolveIs', type };
  }
  const field = c.ident();
  if (field === undefined || !c.eat('=')) return undefined;
  const value = c.literal();
  return value === undefined || !c.eat(')') ? undefined : { kind: 'whereEq', field, value };
}

function parseFunction(c: Cursor, name: string): Step | undefined {
  if (name === 'ofType' || name === 'as') {
    const type = c.ident();
    return type === undefined || !c.eat(')') ? undefined : { kind: 'ofType', type: fhirType(type) };
  }
  if (name === 'where') return parseWhere(c);
  if (name === 'first') return c.eat(')') ? { kind: 'index', index: 0 } : undefined;
  return undefined;
}

/** Steps after the first name: `.child`, `.fn(...)`, `[n]`, ` as T`. */
function parseSteps(c: Cursor, steps: Step[]): boolean {
  for (;;) {
    if (c.eat('.')) {
      const name = c.ident();
      if (name === undefined) return false;
      if (c.eat('(')) {
        const step = parseFunction(c, name);
        if (step === undefined) return false;
        steps.push(step);
      } else steps.push({ kind: 'child', name });
    } else if (c.eat('[')) {
      const m = /^\s*(\d+)\s*\]/.exec(c.text.slice(c.pos));
      if (m === null) return false;
      c.pos += m[0].length;
      steps.push({ kind: 'index', index: Number(m[1]) });
    } else {
      const save = c.pos;
      if (c.eat('as ')) {
        const type = c.ident();
        if (type === undefined) return false;
        steps.push({ kind: 'ofType', type: fhirType(type) });
      } else {
        c.pos = save;
        return true;
      }
    }
  }
}

function parseTerm(c: Cursor, isType: (name: string) => boolean): PathTerm | undefined {
  if (c.eat('(')) {
    const inner = parseTerm(c, isType);
    if (inner === undefined || !c.eat(')')) return undefined;
    const steps = [...inner.steps];
    return parseSteps(c, steps) ? { ...inner, steps } : undefined;
  }
  let root: string | undefined;
  let fromResource = false;
  const steps: Step[] = [];
  if (c.eat('%resource')) fromResource = true;
  else {
    const first = c.ident();
    if (first === undefined) return undefined;
    if (isType(first)) root = first;
    else steps.push({ kind: 'child', name: first });
  }
  return parseSteps(c, steps) ? { root, fromResource, steps } : undefined;
}

/**
 * Parses an expression into union terms; undefined when it is outside the subset.
 * `isType` tells a leading resource type name (`Patient.name`) from a relative
 * element name (`name`).
 */
export function parsePath(expression: string, isType: (name: string) => boolean): PathTerm[] | undefined {
  const c = new Cursor(expression);
  const terms: PathTerm[] = [];
  do {
    const t = parseTerm(c, isType);
    if (t === undefined) return undefined;
    terms.push(t);
  } while (c.eat('|'));
  return c.done() ? terms : undefined;
}

/** The canonical text of a term (identical paths share index rows). */
export function termText(t: PathTerm): string {
  let s = t.fromResource ? '%resource' : (t.root ?? '');
  for (const step of t.steps) {
    switch (step.kind) {
      case 'child':
        s += s === '' ? step.name : `.${step.name}`;
        break;
      case 'ofType':
        s += `.ofType(${step.type})`;
        break;
      case 'resolveIs':
        s += `.where(resolve() is ${step.type})`;
        break;
      case 'whereEq':
        s += `.where(${step.field}='${step.value}')`;
        break;
      case 'index':
        s += `[${step.index}]`;
        break;
    }
  }
  return s;
}

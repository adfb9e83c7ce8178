import { createHash } from 'node:crypto';
import type { TypedValue } from '../../../store/search/rows.js';
import { isResourceType } from '../../model/resource-types.js';
import { compileFallback } from '../path/path-fallback.js';
import { evaluateTerms, type PathNode } from '../path/path-evaluate.js';
import { parsePath, termText, type PathTerm } from '../path/path-parse.js';
import type { ParamType, SearchParamDef } from './search-parameter.js';

/** How a parameter is answered. */
export type ParamSource =
  /** rows in the index table of its type */
  | 'index'
  /** the resource's id / last_updated columns */
  | 'id'
  | 'lastUpdated'
  /** full-text rows */
  | 'text'
  | 'content'
  /** known but not searchable here (`_query`) */
  | 'unsupported';

/** Evaluates a parameter's expression: `root` is the resource, `context` the node a component is relative to. */
export type Extractor = (root: PathNode, context: PathNode, base: string) => TypedValue[];

export interface ResolvedComponent {
  readonly code: string;
  readonly type: ParamType;
  readonly extract: Extractor;
}

/** One search parameter as it applies to one resource type, compiled. */
export interface ResolvedParam {
  readonly code: string;
  readonly type: ParamType;
  readonly resourceType: string;
  readonly def: SearchParamDef;
  readonly source: ParamSource;
  /** What its rows hold: resource type, parameter type and normalised expression (or URL, for composites). */
  readonly storage: string;
  /** Storage key of its rows: a hash of `storage`. */
  readonly key: number;
  /** String-table key of token `:text` rows. */
  readonly textKey: number;
  /** Token-table key of Identifier `:of-type` rows. */
  readonly ofTypeKey: number;
  /** Token-table key of Reference.identifier rows (reference `:identifier`). */
  readonly identifierKey: number;
  /** `where(resolve() is T)` stripped from every term: rows are shared, searches add target type T. */
  readonly targetFilter: string | undefined;
  readonly extract: Extractor | undefined;
  readonly components: readonly ResolvedComponent[];
}

/** A 32-bit key from text: stable across processes and releases (md5, first 4 bytes). */
export function storageKey(text: string): number {
  return createHash('md5').update(text).digest().readInt32BE(0);
}

const isTypeName = (name: string): boolean => name === 'Resource' || name === 'DomainResource' || isResourceType(name);

/** Terms that apply to a resource type: its own, Resource/DomainResource ones and relative ones. */
function termsFor(terms: readonly PathTerm[], resourceType: string): PathTerm[] {
  return terms.filter((t) => t.root === undefined || t.root === resourceType || t.root === 'Resource' || t.root === 'DomainResource');
}

/** When every term ends with the same `where(resolve() is T)`, drop it and report T. */
function splitTargetFilter(terms: PathTerm[]): { terms: PathTerm[]; filter: string | undefined } {
  const lasts = terms.map((t) => t.steps[t.steps.length - 1]);
  const first = lasts[0];
  if (first?.kind !== 'resolveIs') return { terms, filter: undefined };
  if (!lasts.every((s) => s?.kind === 'resolveIs' && s.type === first.type)) return { terms, filter: undefined };
  return { terms: terms.map((t) => ({ ...t, steps: t.steps.slice(0, -1) })), filter: first.type };
}

interface Compiled {
  readonly extract: Extractor;
  readonly storage: string;
  readonly filter: string | undefined;
}

/** Compiles an expression for one resource type: the fast subset, else fhirpath.js. */
export function compileExpression(expression: string, resourceType: string): Compiled {
  const parsed = parsePath(expression, isTypeName);
  if (parsed !== undefined) {
    const { terms, filter } = splitTargetFilter(termsFor(parsed, resourceType));
    return {
      extract: (root, context, base) => evaluateTerms(terms, root, context, base),
      storage: terms.map(termText).join(' | '),
      filter,
    };
  }
  const fn = compileFallback(expression);
  return { extract: (root) => fn(root.value as Record<string, unknown>), storage: expression, filter: undefined };
}

function sourceOf(def: SearchParamDef): ParamSource {
  switch (def.code) {
    case '_id':
      return 'id';
    case '_lastUpdated':
      return 'lastUpdated';
    case '_text':
      return 'text';
    case '_content':
      return 'content';
    default:
      return def.expression === undefined || def.expression === '' ? 'unsupported' : 'index';
  }
}

/**
 * Resolves a definition for one resource type. `lookup` finds component
 * definitions by URL (composites). Throws when the expression cannot compile.
 */
export function resolveParam(def: SearchParamDef, resourceType: string, lookup: (url: string) => SearchParamDef | undefined): ResolvedParam {
  const source = sourceOf(def);
  const compiled = source === 'index' && def.expression !== undefined ? compileExpression(def.expression, resourceType) : undefined;
  const storage = `${resourceType}|${def.type}|${def.type === 'composite' ? def.url : (compiled?.storage ?? def.code)}`;
  const key = storageKey(storage);
  const components: ResolvedComponent[] = def.components.map((c) => {
    const cdef = lookup(c.definition);
    if (cdef === undefined) throw new Error(`${def.url}: component ${c.definition} is not a known SearchParameter`);
    const cc = compileExpression(c.expression, resourceType);
    return { code: cdef.code, type: cdef.type, extract: cc.extract };
  });
  return {
    code: def.code,
    type: def.type,
    resourceType,
    def,
    source,
    storage,
    key,
    textKey: storageKey(`${key}#text`),
    ofTypeKey: storageKey(`${key}#of-type`),
    identifierKey: storageKey(`${key}#identifier`),
    targetFilter: compiled?.filter,
    extract: compiled?.extract,
    components,
  };
}

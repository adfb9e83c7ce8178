import { extractComposite, type ComponentKind } from '../../../store/search/composite.js';
import { extractDate } from '../../../store/search/date.js';
import { extractNumber } from '../../../store/search/number.js';
import { extractQuantity } from '../../../store/search/quantity.js';
import { extractReference } from '../../../store/search/reference.js';
import { IndexRows, type TypedValue } from '../../../store/search/rows.js';
import { addString, extractString } from '../../../store/search/string.js';
import { extractText } from '../../../store/search/text.js';
import { extractToken } from '../../../store/search/token.js';
import { extractUri } from '../../../store/search/uri.js';
import { isObject, num } from '../../../store/search/values.js';
import type { ResolvedParam } from '../definitions/resolve-param.js';
import type { SearchParamRegistry } from '../definitions/registry.js';
import { implicitSystem } from '../path/implicit-system.js';
import { resourceNode, type PathNode } from '../path/path-evaluate.js';

export interface ExtractOptions {
  /** This server's FHIR base URL: absolute references under it are local. */
  readonly baseUrl: string;
  /** Whether to build `_content` rows (whole-resource full text). */
  readonly content: boolean;
  /** Called for a parameter whose expression failed on this resource; its rows are skipped. */
  readonly onError?: (param: ResolvedParam, err: unknown) => void;
}

const COMPONENT_KINDS: ReadonlySet<string> = new Set(['token', 'reference', 'quantity', 'number', 'date', 'string', 'uri']);

function tokenRows(rows: IndexRows, p: ResolvedParam, values: readonly TypedValue[]): void {
  const texts: string[] = [];
  for (const v of values) {
    const system = v.type === 'code' && 'path' in v ? implicitSystem((v as PathNode).path) : undefined;
    extractToken(rows, p, v, texts, system);
  }
  for (const t of texts) addString(rows, p.textKey, t);
}

function compositeRows(rows: IndexRows, p: ResolvedParam, root: PathNode, items: readonly PathNode[], base: string): void {
  for (const item of items) {
    const components = p.components.map((c) => ({
      kind: (COMPONENT_KINDS.has(c.type) ? c.type : 'token') as ComponentKind,
      values: c.extract(root, item, base),
    }));
    extractComposite(rows, p.key, components, base);
  }
}

/** Location.position as (latitude, longitude) in composite slots 2 and 3 (search.html#special `near`). */
function positionRows(rows: IndexRows, p: ResolvedParam, values: readonly TypedValue[]): void {
  for (const v of values) {
    if (!isObject(v.value)) continue;
    const lat = num(v.value['latitude']);
    const long = num(v.value['longitude']);
    if (lat === undefined || long === undefined) continue;
    rows.addComposite(p.key, { s1: null, c1: null, s2: null, c2: null, lo2: lat, hi2: lat, lo3: long, hi3: long });
  }
}

function paramRows(rows: IndexRows, p: ResolvedParam, root: PathNode, base: string): void {
  if (p.extract === undefined) return;
  const values = p.extract(root, root, base) as PathNode[];
  if (values.length === 0) return;
  switch (p.type) {
    case 'token':
      tokenRows(rows, p, values);
      return;
    case 'string':
      for (const v of values) extractString(rows, p.key, v);
      return;
    case 'date':
      for (const v of values) extractDate(rows, p.key, v);
      return;
    case 'number':
      for (const v of values) extractNumber(rows, p.key, v);
      return;
    case 'quantity':
      for (const v of values) extractQuantity(rows, p.key, v);
      return;
    case 'reference':
      for (const v of values) extractReference(rows, p.key, p.identifierKey, v, base);
      return;
    case 'uri':
      for (const v of values) extractUri(rows, p.key, v);
      return;
    case 'composite':
      compositeRows(rows, p, root, values, base);
      return;
    case 'special':
      positionRows(rows, p, values);
      return;
  }
}

/**
 * The search index rows of a resource: every parameter of its type that is
 * answered from index rows, plus the full-text rows. Runs at write time.
 */
export function extractIndexRows(
  registry: SearchParamRegistry,
  resource: Record<string, unknown> & { resourceType: string },
  options: ExtractOptions,
): IndexRows {
  const rows = new IndexRows();
  const root = resourceNode(resource);
  for (const p of registry.indexed(resource.resourceType)) {
    try {
      paramRows(rows, p, root, options.baseUrl);
    } catch (err) {
      options.onError?.(p, err);
    }
  }
  extractText(rows, resource, options.content);
  return rows;
}

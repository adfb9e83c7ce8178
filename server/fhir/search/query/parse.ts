/**
 * A search request's parameters → the search AST: conditions (AND of the
 * parameters, OR within a comma list) and the result parameters
 * (https://hl7.org/fhir/R4/search.html#return). No SQL here.
 */
import { FhirError } from '../../../errors/fhir-error.js';
import type { Condition } from '../../../store/search/condition.js';
import type { SortSpec } from '../../../store/search/search-sql.js';
import { criterion } from './chain.js';
import type { SearchContext } from './context.js';
import { parseIncludes, type IncludeSpec } from './include-parse.js';
import { UnknownParameter } from './param-condition.js';
import { parseSort } from './sort-parse.js';
import { bad } from './values.js';

export type TotalMode = 'none' | 'estimate' | 'accurate';
export type SummaryMode = 'true' | 'text' | 'data' | 'count' | 'false';

export interface ParsedSearch {
  readonly conditions: readonly Condition[];
  readonly sort: readonly SortSpec[];
  readonly count: number;
  readonly total: TotalMode | undefined;
  readonly summary: SummaryMode | undefined;
  readonly elements: readonly string[] | undefined;
  readonly include: readonly IncludeSpec[];
  readonly revinclude: readonly IncludeSpec[];
  readonly cursor: string | undefined;
  /** `_explain=true` (only honoured when the server's debug switch is on). */
  readonly explain: boolean;
  /** Parameters ignored, with why (reported in an OperationOutcome entry). */
  readonly ignored: readonly { readonly param: string; readonly reason: string }[];
}

export interface ParseOptions {
  /** `Prefer: handling=strict`: unknown parameters are errors instead of being ignored. */
  readonly strict: boolean;
  /** Why unknown parameters are errors, for their message (default: the Prefer header). */
  readonly strictWhy?: string;
  readonly defaultCount: number;
  readonly maxCount: number;
}

/** Parameters that shape the result rather than select resources, or belong to the transport. */
const RESULT_PARAMS = new Set([
  '_sort',
  '_count',
  '_total',
  '_summary',
  '_elements',
  '_contained',
  '_containedType',
  '_format',
  '_pretty',
  '_cursor',
  '_explain',
  '_type',
]);

function last(params: readonly (readonly [string, string])[], name: string): string | undefined {
  let v: string | undefined;
  for (const [k, x] of params) if (k === name) v = x;
  return v;
}

function parseCount(raw: string | undefined, o: ParseOptions): number {
  if (raw === undefined) return o.defaultCount;
  if (!/^\d+$/.test(raw)) throw bad('_count', `must be a non-negative integer (got '${raw}')`);
  return Math.min(Number(raw), o.maxCount);
}

function parseTotal(raw: string | undefined): TotalMode | undefined {
  if (raw === undefined) return undefined;
  if (raw === 'none' || raw === 'estimate' || raw === 'accurate') return raw;
  throw bad('_total', `must be none, estimate or accurate (got '${raw}')`);
}

function parseSummary(raw: string | undefined): SummaryMode | undefined {
  if (raw === undefined) return undefined;
  if (raw === 'true' || raw === 'text' || raw === 'data' || raw === 'count' || raw === 'false') return raw;
  throw bad('_summary', `must be true, text, data, count or false (got '${raw}')`);
}

/**
 * Parses every parameter. `types` are the resource types searched (one for a
 * type search; `_type` or all for a system search).
 */
export async function parseSearch(
  params: readonly (readonly [string, string])[],
  types: readonly string[],
  ctx: SearchContext,
  o: ParseOptions,
): Promise<ParsedSearch> {
  const conditions: Condition[] = [];
  const ignored: { param: string; reason: string }[] = [];
  const ignore = (param: string, reason: string): void => {
    if (o.strict) throw new FhirError('invalid', `${reason} (${o.strictWhy ?? 'Prefer: handling=strict'})`, { expression: [param] });
    ignored.push({ param, reason });
  };
  for (const [key, value] of params) {
    // No stored text can hold U+0000 (see storable.ts), and PostgreSQL refuses it as a bind value.
    if (key.includes('\u0000') || value.includes('\u0000')) throw new FhirError('invalid', `${key}: search values may not contain the character U+0000`, { expression: [key] });
    if (RESULT_PARAMS.has(key) || key.startsWith('_include') || key.startsWith('_revinclude')) continue;
    try {
      conditions.push(await criterion(types, key, value, ctx));
    } catch (err) {
      if (!(err instanceof UnknownParameter)) throw err;
      ignore(key, err.message);
    }
  }
  const contained = last(params, '_contained');
  if (contained !== undefined && contained !== 'false') ignore('_contained', "_contained is not supported (contained resources are not searched)");
  const explain = last(params, '_explain');
  const sort = parseSort(last(params, '_sort'), types, ctx, ignore);
  const elements = last(params, '_elements');
  const { include, revinclude } = parseIncludes(params, types, ctx, ignore);
  return {
    conditions,
    sort,
    count: parseCount(last(params, '_count'), o),
    total: parseTotal(last(params, '_total')),
    summary: parseSummary(last(params, '_summary')),
    elements: elements === undefined ? undefined : elements.split(',').map((e) => e.trim()).filter((e) => e !== ''),
    include,
    revinclude,
    cursor: last(params, '_cursor'),
    explain: explain === 'true',
    ignored,
  };
}

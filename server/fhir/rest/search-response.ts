/**
 * What every search route shares: reading the parameters (query string, and a
 * form body for POST …/_search), `Prefer: handling`, and sending the searchset
 * Bundle with `_summary` / `_elements` applied to its resources.
 */
import getRawBody from 'raw-body';
import { FhirError, invalid } from '../../errors/fhir-error.js';
import { sendBody, sendOutcome } from '../../http/respond.js';
import { subset } from '../../http/subset.js';
import { searchBundleJson, type Shape } from '../search/bundle.js';
import type { SearchInput, SearchOutput, SearchService } from '../search/search-service.js';
import type { RouteContext } from './context.js';

export interface SearchDeps {
  readonly search: SearchService;
  readonly baseUrl: string;
  readonly maxBodyBytes: number;
}

/** `Prefer: handling=strict` (https://hl7.org/fhir/R4/search.html#errors); lenient is the default. */
export function strictHandling(ctx: RouteContext): boolean {
  return /(^|[,;\s])handling\s*=\s*"?strict"?/i.test(ctx.get('prefer'));
}

/** The query string's parameters, plus those of an `application/x-www-form-urlencoded` body (POST _search). */
export async function searchParams(ctx: RouteContext, maxBodyBytes: number): Promise<[string, string][]> {
  const params = [...new URLSearchParams(ctx.querystring)];
  if (ctx.method !== 'POST') return params;
  const type = (ctx.get('content-type').split(';')[0] ?? '').trim().toLowerCase();
  if (type !== '' && type !== 'application/x-www-form-urlencoded') {
    throw new FhirError('unsupportedMediaType', 'POST _search takes an application/x-www-form-urlencoded body');
  }
  let body: string;
  try {
    body = await getRawBody(ctx.req, { limit: maxBodyBytes, encoding: 'utf8' });
  } catch {
    throw invalid('The search form body could not be read');
  }
  return [...params, ...new URLSearchParams(body)];
}

function shaper(out: SearchOutput & { kind: 'page' }): Shape {
  const { summary, elements } = out.parsed;
  if (elements === undefined && (summary === undefined || summary === 'false' || summary === 'count')) return (json) => json;
  return (json) => JSON.stringify(subset(JSON.parse(json) as Record<string, unknown>, summary, elements));
}

export async function runSearch(ctx: RouteContext, deps: SearchDeps, input: SearchInput): Promise<void> {
  const access = ctx.state.access;
  const out = await deps.search.search(access === undefined ? input : { ...input, confine: (type) => access.searchConstraint(type) });
  if (out.kind === 'explain') {
    sendOutcome(ctx, 200, out.outcome);
    return;
  }
  const text = searchBundleJson(deps.baseUrl, out.page, shaper(out));
  const pretty = input.params.some(([k, v]) => k === '_pretty' && v === 'true');
  sendBody(ctx, 200, pretty ? JSON.stringify(JSON.parse(text), null, 2) : text);
}

import { invalid } from '../../errors/fhir-error.js';
import { renderOptions, sendResource } from '../../http/respond.js';
import type { HistoryCursor, HistoryQuery } from '../../store/types.js';
import { parseDateRange } from '../model/date-range.js';
import type { RestDeps, RouteContext, RouteHandler } from './context.js';
import { historyBundleJson } from './history-bundle.js';

function single(ctx: RouteContext, name: string): string | undefined {
  const v = ctx.query[name];
  return Array.isArray(v) ? v[v.length - 1] : v;
}

function encodeCursor(c: HistoryCursor): string {
  return Buffer.from(JSON.stringify([c.lastUpdated.toISOString(), c.resourceType, c.id, c.versionId])).toString('base64url');
}

function decodeCursor(text: string): HistoryCursor {
  try {
    const v: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    if (Array.isArray(v) && v.length === 4) {
      const [t, type, id, version] = v as unknown[];
      if (typeof t === 'string' && typeof type === 'string' && typeof id === 'string' && typeof version === 'number') {
        return { lastUpdated: new Date(t), resourceType: type, id, versionId: version };
      }
    }
  } catch {
    // fall through to the error below
  }
  throw invalid('_cursor is not a cursor this server issued');
}

function countParam(ctx: RouteContext, deps: RestDeps): number {
  const raw = single(ctx, '_count');
  if (raw === undefined) return deps.historyDefaultCount;
  if (!/^\d+$/.test(raw)) throw invalid(`_count must be a non-negative integer (got '${raw}')`);
  return Math.min(Math.max(Number(raw), 1), deps.historyMaxCount);
}

function dateParam(ctx: RouteContext, name: string): { start: Date; end: Date } | undefined {
  const raw = single(ctx, name);
  if (raw === undefined) return undefined;
  const range = parseDateRange(raw);
  if (range === undefined) throw invalid(`${name} must be a FHIR date, dateTime or instant (got '${raw}')`);
  return range;
}

/**
 * history at instance, type or system level with `_since`, `_at`, `_count`
 * (https://hl7.org/fhir/R4/http.html#history). Pages follow a keyset cursor, so
 * a `next` link stays right while writes happen in between.
 */
export function history(deps: RestDeps, level: 'instance' | 'type' | 'system'): RouteHandler {
  return async function readHistory(ctx) {
    ctx.state.interaction = `history-${level}`;
    const options = renderOptions(ctx);
    const count = countParam(ctx, deps);
    const since = dateParam(ctx, '_since');
    const at = dateParam(ctx, '_at');
    const cursor = single(ctx, '_cursor');
    const query: HistoryQuery = {
      ...(ctx.params['type'] === undefined ? {} : { resourceType: ctx.params['type'] }),
      ...(ctx.params['id'] === undefined ? {} : { id: ctx.params['id'] }),
      ...(since === undefined ? {} : { since: since.start }),
      ...(at === undefined ? {} : { at }),
      ...(cursor === undefined ? {} : { before: decodeCursor(cursor) }),
      count: count + 1,
    };
    const { versions, total } = await deps.repository.history(query);
    const page = versions.slice(0, count);
    const last = page[page.length - 1];
    const path = ctx.path.replace(/^\/fhir/, '');
    const params = new URLSearchParams();
    for (const name of ['_since', '_at', '_count', '_format', '_pretty']) {
      const v = single(ctx, name);
      if (v !== undefined) params.set(name, v);
    }
    const selfParams = new URLSearchParams(params);
    if (cursor !== undefined) selfParams.set('_cursor', cursor);
    const selfUrl = `${deps.baseUrl}${path}${selfParams.size > 0 ? `?${selfParams.toString()}` : ''}`;
    let nextUrl: string | undefined;
    if (versions.length > count && last !== undefined) {
      params.set('_cursor', encodeCursor(last));
      nextUrl = `${deps.baseUrl}${path}?${params.toString()}`;
    }
    // _summary / _elements shape resources, not the Bundle around them; only _pretty applies here.
    const bundle = historyBundleJson(deps.baseUrl, { versions: page, total, selfUrl, nextUrl });
    sendResource(ctx, 200, bundle, { ...options, summary: undefined, elements: undefined });
  };
}

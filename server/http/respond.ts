import type { OperationOutcome } from 'fhir/r4.js';
import { invalid } from '../errors/fhir-error.js';
import type { AppContext } from './state.js';
import { parseSummary, subset, type SummaryMode } from './subset.js';

/** How the client asked the body to be shaped (https://hl7.org/fhir/R4/http.html#general). */
export interface RenderOptions {
  readonly pretty: boolean;
  readonly summary: SummaryMode | undefined;
  readonly elements: readonly string[] | undefined;
}

function single(ctx: AppContext, name: string): string | undefined {
  const v = ctx.query[name];
  return Array.isArray(v) ? v[v.length - 1] : v;
}

export function renderOptions(ctx: AppContext): RenderOptions {
  const pretty = single(ctx, '_pretty');
  if (pretty !== undefined && pretty !== 'true' && pretty !== 'false') throw invalid('_pretty must be true or false');
  const elements = single(ctx, '_elements');
  return {
    pretty: pretty === 'true',
    summary: parseSummary(single(ctx, '_summary')),
    elements: elements === undefined ? undefined : elements.split(',').map((e) => e.trim()).filter((e) => e !== ''),
  };
}

const untouched = (o: RenderOptions): boolean =>
  !o.pretty && o.elements === undefined && (o.summary === undefined || o.summary === 'false');

/** Sends JSON in the negotiated format. */
export function sendBody(ctx: AppContext, status: number, text: string): void {
  ctx.status = status;
  ctx.type = `${ctx.state.format}; charset=utf-8`;
  ctx.body = text;
}

/**
 * Sends a resource. Stored JSON text goes out as it is unless the client asked
 * for a subset or pretty printing, so the common read costs no parse.
 */
export function sendResource(ctx: AppContext, status: number, resource: string | object, o: RenderOptions): void {
  if (untouched(o)) {
    sendBody(ctx, status, typeof resource === 'string' ? resource : JSON.stringify(resource));
    return;
  }
  const obj = (typeof resource === 'string' ? JSON.parse(resource) : resource) as Record<string, unknown>;
  const shaped = subset(obj, o.summary, o.elements);
  sendBody(ctx, status, o.pretty ? JSON.stringify(shaped, null, 2) : JSON.stringify(shaped));
}

export function sendOutcome(ctx: AppContext, status: number, outcome: OperationOutcome): void {
  sendBody(ctx, status, JSON.stringify(outcome));
}

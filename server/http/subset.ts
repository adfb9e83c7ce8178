import { invalid } from '../errors/fhir-error.js';
import { elementFlags, propertyMatches } from '../fhir/model/element-flags.js';

export type SummaryMode = 'true' | 'text' | 'data' | 'count' | 'false';

const SUBSETTED = { system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationValue', code: 'SUBSETTED' };
const ALWAYS = new Set(['resourceType', 'id', 'meta']);

export function parseSummary(value: string | undefined): SummaryMode | undefined {
  if (value === undefined) return undefined;
  if (value === 'true' || value === 'text' || value === 'data' || value === 'count' || value === 'false') return value;
  throw invalid(`_summary must be one of true, text, data, count, false (got '${value}')`);
}

function markSubsetted(resource: Record<string, unknown>): Record<string, unknown> {
  const meta = (resource['meta'] ?? {}) as Record<string, unknown>;
  const tags = Array.isArray(meta['tag']) ? (meta['tag'] as unknown[]) : [];
  return { ...resource, meta: { ...meta, tag: [...tags, SUBSETTED] } };
}

function keep(resource: Record<string, unknown>, pred: (property: string) => boolean): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(resource)) if (ALWAYS.has(k) || pred(k)) out[k] = v;
  return markSubsetted(out);
}

/**
 * `_summary` and `_elements` on top-level elements
 * (https://hl7.org/fhir/R4/search.html#summary, #elements). Subsetted results are
 * tagged SUBSETTED so that nobody mistakes them for the whole resource.
 */
export function subset(
  resource: Record<string, unknown>,
  summary: SummaryMode | undefined,
  elements: readonly string[] | undefined,
): Record<string, unknown> {
  const type = String(resource['resourceType']);
  const flags = elementFlags(type);
  if (flags === undefined) return resource;
  if (elements !== undefined) {
    const wanted = new Set([...elements, ...flags.mandatory]);
    return keep(resource, (p) => propertyMatches(p, wanted));
  }
  switch (summary) {
    case undefined:
    case 'false':
    case 'count':
      return resource;
    case 'true':
      return keep(resource, (p) => propertyMatches(p, flags.summary));
    case 'text':
      return keep(resource, (p) => p === 'text' || propertyMatches(p, flags.mandatory));
    case 'data':
      return keep(resource, (p) => p !== 'text');
  }
}

import { randomUUID } from 'node:crypto';
import type { JsonObject } from '../fhir/model/json-object.js';
import { TerminologyError } from './errors.js';
import type { ExpansionEntry } from './expansion.js';
import { systemLabel, type TerminologyService } from './terminology-service.js';

/**
 * $expand (https://hl7.org/fhir/R4/valueset-operation-expand.html): the expansion of a value
 * set as a ValueSet resource with `expansion` (flat `contains`, paged by offset/count,
 * narrowed by a text filter).
 */

export interface ExpandRequest {
  /** Text filter: every word must start a word of the display or match the code (case-insensitive). */
  readonly filter?: string;
  readonly offset?: number;
  readonly count?: number;
  readonly includeDesignations?: boolean;
  readonly activeOnly?: boolean;
  /** Leave abstract (not selectable) codes out. */
  readonly excludeNotForUI?: boolean;
}

/** Largest expansion returned without paging; larger ones need `count`. */
export const MAX_UNPAGED_EXPANSION = 10_000;

function words(text: string): string[] {
  return text.toLowerCase().split(/[^\p{L}\p{N}]+/u).filter((w) => w.length > 0);
}

/** Matches the way terminology servers read `filter`: each term is a prefix of some word. */
export function textFilter(filter: string): (e: ExpansionEntry) => boolean {
  const terms = words(filter);
  const whole = filter.trim().toLowerCase();
  return (e) => {
    if (e.code.toLowerCase() === whole) return true;
    const displayWords = [...words(e.display ?? ''), ...e.designations.flatMap((d) => words(d.value))];
    return terms.every((t) => displayWords.some((w) => w.startsWith(t)));
  };
}

function containsEntry(e: ExpansionEntry, designations: boolean): JsonObject {
  return {
    system: e.system,
    ...(e.version === undefined ? {} : { version: e.version }),
    ...(e.abstract ? { abstract: true } : {}),
    ...(e.inactive ? { inactive: true } : {}),
    code: e.code,
    ...(e.display === undefined ? {} : { display: e.display }),
    ...(designations && e.designations.length > 0 ? { designation: e.designations.map((d) => ({ ...d })) } : {}),
  };
}

function parameters(req: ExpandRequest, usedSystems: ReadonlySet<string>): JsonObject[] {
  const out: JsonObject[] = [];
  if (req.filter !== undefined) out.push({ name: 'filter', valueString: req.filter });
  if (req.offset !== undefined) out.push({ name: 'offset', valueInteger: req.offset });
  if (req.count !== undefined) out.push({ name: 'count', valueInteger: req.count });
  if (req.includeDesignations === true) out.push({ name: 'includeDesignations', valueBoolean: true });
  if (req.activeOnly === true) out.push({ name: 'activeOnly', valueBoolean: true });
  for (const s of [...usedSystems].sort()) out.push({ name: 'used-codesystem', valueUri: s });
  return out;
}

export function expandToValueSet(svc: TerminologyService, vs: JsonObject, req: ExpandRequest): JsonObject {
  const exp = svc.expansionOf(vs);
  const url = typeof vs['url'] === 'string' ? vs['url'] : 'the value set';
  if (exp.missingValueSets.length > 0) {
    throw new TerminologyError('not-found', `${url} includes value sets this server does not hold: ${exp.missingValueSets.join(', ')}`);
  }
  if (exp.openSystems.size > 0) {
    const systems = [...exp.openSystems].map(systemLabel).join(', ');
    throw new TerminologyError('not-supported', `${url} cannot be expanded: it includes codes from ${systems}, which this server does not hold in full`);
  }
  let entries = exp.entries;
  if (req.activeOnly === true) entries = entries.filter((e) => !e.inactive);
  if (req.excludeNotForUI === true) entries = entries.filter((e) => !e.abstract);
  if (req.filter !== undefined && req.filter.trim() !== '') entries = entries.filter(textFilter(req.filter));
  const offset = req.offset ?? 0;
  if (req.count === undefined && entries.length - offset > MAX_UNPAGED_EXPANSION) {
    throw new TerminologyError('too-costly', `The expansion of ${url} has ${entries.length} codes; page through it with count and offset (at most ${MAX_UNPAGED_EXPANSION} at a time)`);
  }
  const page = entries.slice(offset, req.count === undefined ? undefined : offset + req.count);
  const { expansion: _previous, compose: _compose, text: _text, ...header } = vs;
  return {
    ...header,
    resourceType: 'ValueSet',
    expansion: {
      identifier: `urn:uuid:${randomUUID()}`,
      timestamp: new Date().toISOString(),
      total: entries.length,
      offset,
      parameter: parameters(req, exp.usedSystems),
      ...(page.length > 0 ? { contains: page.map((e) => containsEntry(e, req.includeDesignations === true)) } : {}),
    },
  };
}

import { arrayProp, isJsonObject, stringProp, type JsonObject } from '../fhir/model/json-object.js';
import type { CodedInput } from './validate-code.js';

/**
 * ConceptMap $translate (https://hl7.org/fhir/R4/conceptmap-operation-translate.html):
 * maps a code through one ConceptMap, or through every held map whose source / target value
 * sets (and group systems) fit the request. `reverse` maps target codes back to sources,
 * with the equivalence turned around (wider ↔ narrower, subsumes ↔ specializes).
 */

export interface TranslateRequest {
  readonly codings: readonly CodedInput[];
  /** Value set the code comes from (ConceptMap.source[x]). */
  readonly source?: string;
  /** Value set to translate into (ConceptMap.target[x]). */
  readonly target?: string;
  readonly targetSystem?: string;
  readonly reverse?: boolean;
}

export interface TranslateMatch {
  /** https://hl7.org/fhir/R4/valueset-concept-map-equivalence.html */
  readonly equivalence: string;
  readonly concept?: { readonly system?: string; readonly code: string; readonly display?: string };
  readonly source: string;
  readonly comment?: string;
}

export interface TranslateResult {
  readonly result: boolean;
  readonly message?: string;
  readonly matches: readonly TranslateMatch[];
}

const REVERSED: Readonly<Record<string, string>> = {
  wider: 'narrower',
  narrower: 'wider',
  subsumes: 'specializes',
  specializes: 'subsumes',
};

function mapSource(cm: JsonObject): string | undefined {
  return stringProp(cm, 'sourceUri') ?? stringProp(cm, 'sourceCanonical');
}
function mapTarget(cm: JsonObject): string | undefined {
  return stringProp(cm, 'targetUri') ?? stringProp(cm, 'targetCanonical');
}

/** Whether a map fits the request's source / target value sets (`|version` ignored). */
export function mapFits(cm: JsonObject, req: TranslateRequest): boolean {
  const strip = (u: string | undefined): string | undefined => u?.split('|')[0];
  const [from, to] = req.reverse === true ? [mapTarget(cm), mapSource(cm)] : [mapSource(cm), mapTarget(cm)];
  if (req.source !== undefined && strip(from) !== strip(req.source)) return false;
  if (req.target !== undefined && strip(to) !== strip(req.target)) return false;
  return true;
}

function concept(system: string | undefined, code: string, display: string | undefined): NonNullable<TranslateMatch['concept']> {
  return { ...(system === undefined ? {} : { system }), code, ...(display === undefined ? {} : { display }) };
}

function forward(cm: JsonObject, url: string, c: CodedInput, req: TranslateRequest, resolve: (url: string) => JsonObject | undefined, depth: number): TranslateMatch[] {
  const out: TranslateMatch[] = [];
  for (const g of arrayProp(cm, 'group').filter(isJsonObject)) {
    const source = stringProp(g, 'source');
    const target = stringProp(g, 'target');
    if (c.system !== undefined && source !== undefined && source !== c.system) continue;
    if (req.targetSystem !== undefined && target !== req.targetSystem) continue;
    const elements = arrayProp(g, 'element').filter(isJsonObject).filter((e) => e['code'] === c.code);
    for (const e of elements) {
      for (const t of arrayProp(e, 'target').filter(isJsonObject)) {
        const code = stringProp(t, 'code');
        const comment = stringProp(t, 'comment');
        out.push({
          equivalence: stringProp(t, 'equivalence') ?? 'equivalent',
          ...(code === undefined ? {} : { concept: concept(target, code, stringProp(t, 'display')) }),
          source: url,
          ...(comment === undefined ? {} : { comment }),
        });
      }
    }
    if (elements.length === 0) out.push(...unmapped(g, target, url, c, req, resolve, depth));
  }
  return out;
}

/** group.unmapped: what to do with a source code the group does not list (R4 ConceptMap.group.unmapped). */
function unmapped(g: JsonObject, target: string | undefined, url: string, c: CodedInput, req: TranslateRequest, resolve: (url: string) => JsonObject | undefined, depth: number): TranslateMatch[] {
  const u = g['unmapped'];
  if (!isJsonObject(u)) return [];
  switch (u['mode']) {
    case 'provided':
      return [{ equivalence: 'equal', concept: concept(target, c.code, c.display), source: url }];
    case 'fixed': {
      const code = stringProp(u, 'code');
      return code === undefined ? [] : [{ equivalence: 'inexact', concept: concept(target, code, stringProp(u, 'display')), source: url }];
    }
    case 'other-map': {
      const other = stringProp(u, 'url');
      const cm = other === undefined || depth > 5 ? undefined : resolve(other);
      return cm === undefined || other === undefined ? [] : forward(cm, other, c, req, resolve, depth + 1);
    }
    default:
      return [];
  }
}

function backward(cm: JsonObject, url: string, c: CodedInput, req: TranslateRequest): TranslateMatch[] {
  const out: TranslateMatch[] = [];
  for (const g of arrayProp(cm, 'group').filter(isJsonObject)) {
    const source = stringProp(g, 'source');
    const target = stringProp(g, 'target');
    if (c.system !== undefined && target !== undefined && target !== c.system) continue;
    if (req.targetSystem !== undefined && source !== req.targetSystem) continue;
    for (const e of arrayProp(g, 'element').filter(isJsonObject)) {
      const code = stringProp(e, 'code');
      if (code === undefined) continue;
      for (const t of arrayProp(e, 'target').filter(isJsonObject)) {
        if (t['code'] !== c.code) continue;
        const eq = stringProp(t, 'equivalence') ?? 'equivalent';
        out.push({ equivalence: REVERSED[eq] ?? eq, concept: concept(source, code, stringProp(e, 'display')), source: url });
      }
    }
  }
  return out;
}

/** Translates through the given maps (already chosen by the caller). */
export function translate(maps: readonly JsonObject[], req: TranslateRequest, resolve: (url: string) => JsonObject | undefined): TranslateResult {
  const matches: TranslateMatch[] = [];
  for (const cm of maps) {
    const url = stringProp(cm, 'url') ?? '';
    for (const c of req.codings) matches.push(...(req.reverse === true ? backward(cm, url, c, req) : forward(cm, url, c, req, resolve, 0)));
  }
  const result = matches.some((m) => m.equivalence !== 'unmatched' && m.equivalence !== 'disjoint');
  if (result) return { result, matches };
  const what = req.codings.map((c) => `${c.system ?? ''}#${c.code}`).join(', ');
  return { result, message: maps.length === 0 ? 'No concept map fits the request' : `No mapping found for ${what}`, matches };
}

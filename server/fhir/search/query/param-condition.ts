/**
 * One search parameter of a query (`name[:modifier]=v1,v2`) → one store
 * Condition, per the type rules of https://hl7.org/fhir/R4/search.html.
 * Chains and `_has` are in chain.ts; this file handles a plain parameter.
 */
import type { ComponentMatch } from '../../../store/search/composite.js';
import type { Condition, IndexTable } from '../../../store/search/condition.js';
import type { TokenMatch } from '../../../store/search/token.js';
import type { ResolvedParam } from '../definitions/resolve-param.js';
import type { ParamType } from '../definitions/search-parameter.js';
import type { SearchContext } from './context.js';
import { specialCondition } from './special-params.js';
import { alternatives, bad, parseDate, parseNumber, parseQuantity, parseReference, parseToken, splitEscaped, unescape } from './values.js';

/** A parameter the server does not know for the searched type(s): ignored, or 400 with handling=strict. */
export class UnknownParameter extends Error {
  constructor(readonly param: string, reason: string) {
    super(reason);
  }
}

const TABLE: Readonly<Record<ParamType, IndexTable>> = {
  token: 'token',
  string: 'string',
  date: 'date',
  number: 'number',
  quantity: 'quantity',
  reference: 'reference',
  uri: 'uri',
  composite: 'composite',
  special: 'composite',
};

/** The parameter's definition for each searched type that has it; unknown when none does. */
export function resolveFor(types: readonly string[], code: string, ctx: SearchContext): ResolvedParam[] {
  const found = types.map((t) => ctx.registry.get(t, code)).filter((p): p is ResolvedParam => p !== undefined);
  if (found.length === 0) throw new UnknownParameter(code, `Unknown search parameter '${code}' for ${types.join(', ')}`);
  const first = found[0];
  if (first !== undefined && found.some((p) => p.type !== first.type)) throw bad(code, 'has different types on the searched resource types');
  return found;
}

function targetTypes(params: readonly ResolvedParam[]): readonly string[] | undefined {
  const filters = params.map((p) => p.targetFilter);
  if (filters.some((f) => f === undefined)) return undefined;
  return [...new Set(filters as string[])];
}

async function tokenCondition(name: string, params: ResolvedParam[], modifier: string | undefined, raw: string, ctx: SearchContext): Promise<Condition> {
  const keys = params.map((p) => p.key);
  const values = alternatives(name, raw);
  switch (modifier) {
    case undefined:
      return { kind: 'index', keys, match: { table: 'token', values: values.map(parseToken) } };
    case 'not':
      return { kind: 'not', inner: { kind: 'index', keys, match: { table: 'token', values: values.map(parseToken) } } };
    case 'text':
      return { kind: 'index', keys: params.map((p) => p.textKey), match: { table: 'string', values: values.map((v) => ({ value: unescape(v), mode: 'prefix' as const })) } };
    case 'of-type': {
      const matches = values.map((v): TokenMatch => {
        const parts = splitEscaped(v, '|');
        if (parts.length !== 3 || parts.some((x) => x === '')) throw bad(name, `:of-type needs system|code|value (got '${v}')`);
        const [system = '', code = '', value = ''] = parts.map(unescape);
        return { system, code: `${code}|${value}` };
      });
      return { kind: 'index', keys: params.map((p) => p.ofTypeKey), match: { table: 'token', values: matches } };
    }
    case 'in':
    case 'not-in': {
      const codes: TokenMatch[] = [];
      for (const url of values) {
        const vs = await ctx.terminology.valueSetCodes(unescape(url));
        if (vs === undefined) throw bad(name, `value set '${unescape(url)}' is not known to this server`);
        codes.push(...vs);
      }
      const inner: Condition = codes.length === 0 ? { kind: 'none' } : { kind: 'index', keys, match: { table: 'token', values: codes } };
      return modifier === 'in' ? inner : { kind: 'not', inner };
    }
    case 'below':
    case 'above': {
      const matches: TokenMatch[] = [];
      for (const v of values) {
        const t = parseToken(v);
        if (typeof t.system !== 'string' || t.code === undefined) throw bad(name, `:${modifier} needs system|code (got '${v}')`);
        const codes = (await ctx.terminology.subsumption(t.system, t.code, modifier)) ?? [t.code];
        for (const code of codes) matches.push({ system: t.system, code });
      }
      return { kind: 'index', keys, match: { table: 'token', values: matches } };
    }
    default:
      throw bad(name, `modifier ':${modifier}' is not supported on token parameters`);
  }
}

function referenceCondition(name: string, params: ResolvedParam[], modifier: string | undefined, raw: string, ctx: SearchContext): Condition {
  const values = alternatives(name, raw);
  if (modifier === 'identifier') {
    return { kind: 'index', keys: params.map((p) => p.identifierKey), match: { table: 'token', values: values.map(parseToken) } };
  }
  if (modifier !== undefined && !ctx.isResourceType(modifier)) {
    throw bad(name, `modifier ':${modifier}' is not supported on reference parameters`);
  }
  const restrict = targetTypes(params);
  const types = modifier === undefined ? restrict : [modifier];
  const matches = values.map((v) => parseReference(name, v, ctx.baseUrl, modifier));
  return { kind: 'index', keys: params.map((p) => p.key), match: { table: 'reference', values: matches }, ...(types === undefined ? {} : { targetTypes: types }) };
}

function compositeValue(name: string, p: ResolvedParam, raw: string, ctx: SearchContext): ComponentMatch[] {
  const parts = splitEscaped(raw, '$');
  if (parts.length !== p.components.length) throw bad(name, `composite value needs ${p.components.length} parts separated by $ (got '${raw}')`);
  return p.components.map((c, i): ComponentMatch => {
    const v = parts[i] ?? '';
    switch (c.type) {
      case 'token':
        return { kind: 'token', match: parseToken(v) };
      case 'quantity':
        return { kind: 'quantity', match: parseQuantity(name, v) };
      case 'number':
        return { kind: 'number', match: parseNumber(name, v) };
      case 'date':
        return { kind: 'date', match: parseDate(name, v) };
      case 'string':
        return { kind: 'string', match: { value: unescape(v), mode: 'prefix' } };
      case 'reference':
        return { kind: 'reference', match: parseReference(name, v, ctx.baseUrl, undefined) };
      case 'uri':
      case 'composite':
      case 'special':
        return { kind: 'uri', match: { value: unescape(v) } };
    }
  });
}

function simpleModifier(name: string, type: ParamType, modifier: string | undefined, allowed: readonly string[]): void {
  if (modifier !== undefined && !allowed.includes(modifier)) throw bad(name, `modifier ':${modifier}' is not supported on ${type} parameters`);
}

/** A plain (not chained) parameter of the searched types. */
export async function paramCondition(types: readonly string[], code: string, modifier: string | undefined, raw: string, ctx: SearchContext): Promise<Condition> {
  const special = specialCondition(types, code, modifier, raw, ctx);
  if (special !== undefined) return special;
  const params = resolveFor(types, code, ctx);
  const first = params[0];
  if (first === undefined) throw new UnknownParameter(code, `Unknown search parameter '${code}'`);
  if (first.source === 'unsupported') throw new UnknownParameter(code, `Search parameter '${code}' is not supported by this server`);
  const name = modifier === undefined ? code : `${code}:${modifier}`;
  const keys = params.map((p) => p.key);
  if (modifier === 'missing') {
    if (raw !== 'true' && raw !== 'false') throw bad(name, `:missing takes true or false (got '${raw}')`);
    const restrict = first.type === 'reference' ? targetTypes(params) : undefined;
    return { kind: 'missing', table: TABLE[first.type], keys, missing: raw === 'true', ...(restrict === undefined ? {} : { targetTypes: restrict }) };
  }
  switch (first.type) {
    case 'token':
      return tokenCondition(name, params, modifier, raw, ctx);
    case 'reference':
      return referenceCondition(name, params, modifier, raw, ctx);
    case 'string': {
      simpleModifier(name, first.type, modifier, ['exact', 'contains']);
      const mode = modifier === 'exact' ? 'exact' : modifier === 'contains' ? 'contains' : 'prefix';
      return { kind: 'index', keys, match: { table: 'string', values: alternatives(name, raw).map((v) => ({ value: unescape(v), mode })) } };
    }
    case 'uri': {
      simpleModifier(name, first.type, modifier, ['below', 'above']);
      const mode = modifier === 'below' ? 'below' : modifier === 'above' ? 'above' : 'exact';
      return { kind: 'index', keys, match: { table: 'uri', values: alternatives(name, raw).map((v) => ({ value: unescape(v), mode })) } };
    }
    case 'date':
      simpleModifier(name, first.type, modifier, []);
      return { kind: 'index', keys, match: { table: 'date', values: alternatives(name, raw).map((v) => parseDate(name, v)) } };
    case 'number':
      simpleModifier(name, first.type, modifier, []);
      return { kind: 'index', keys, match: { table: 'number', values: alternatives(name, raw).map((v) => parseNumber(name, v)) } };
    case 'quantity':
      simpleModifier(name, first.type, modifier, []);
      return { kind: 'index', keys, match: { table: 'quantity', values: alternatives(name, raw).map((v) => parseQuantity(name, v)) } };
    case 'composite':
      simpleModifier(name, first.type, modifier, []);
      return { kind: 'index', keys, match: { table: 'composite', values: alternatives(name, raw).map((v) => compositeValue(name, first, v, ctx)) } };
    case 'special':
      simpleModifier(name, first.type, modifier, []);
      return { kind: 'index', keys, match: { table: 'near', values: alternatives(name, raw).map((v) => parseNear(name, v)) } };
  }
}

const KM: Readonly<Record<string, number>> = { km: 1, m: 0.001, '[mi_i]': 1.609344, mi: 1.609344 };

/** `near=lat|long|distance|units` (search.html#special): distance defaults to 1 km (unit km). */
function parseNear(name: string, raw: string): { lat: number; long: number; km: number } {
  const [lat = '', long = '', dist = '', units = ''] = splitEscaped(raw, '|').map(unescape);
  const la = Number(lat);
  const lo = Number(long);
  if (lat === '' || long === '' || !Number.isFinite(la) || !Number.isFinite(lo)) throw bad(name, `needs latitude|longitude[|distance|units] (got '${raw}')`);
  const d = dist === '' ? 1 : Number(dist);
  const factor = KM[units === '' ? 'km' : units];
  if (!Number.isFinite(d) || factor === undefined) throw bad(name, `distance must be a number in km, m or [mi_i] (got '${raw}')`);
  return { lat: la, long: lo, km: d * factor };
}

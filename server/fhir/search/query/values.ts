/**
 * Search values as written in a query string, parsed per parameter type
 * (https://hl7.org/fhir/R4/search.html): prefixes, dates at their precision,
 * numbers with their implied precision, `system|code`, quantities, references,
 * and the escaping rules (`\,` `\|` `\$` `\\`, search.html#escaping).
 * Malformed values throw a 400 naming the parameter.
 */
import { invalid } from '../../../errors/fhir-error.js';
import { localTarget, type ReferenceMatch } from '../../../store/search/reference.js';
import type { Prefix, RangeMatch } from '../../../store/search/date.js';
import { dateBounds } from '../../../store/search/date.js';
import type { NumberMatch } from '../../../store/search/number.js';
import type { QuantityMatch } from '../../../store/search/quantity.js';
import type { TokenMatch } from '../../../store/search/token.js';

const PREFIXES: ReadonlySet<string> = new Set(['eq', 'ne', 'gt', 'lt', 'ge', 'le', 'sa', 'eb', 'ap']);

/** Splits on an unescaped separator; escapes stay in place (unescape() removes them). */
export function splitEscaped(value: string, sep: string): string[] {
  const out: string[] = [];
  let cur = '';
  for (let i = 0; i < value.length; i += 1) {
    const ch = value.charAt(i);
    if (ch === '\\' && i + 1 < value.length) {
      cur += ch + value.charAt(i + 1);
      i += 1;
    } else if (ch === sep) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out;
}

/** Comma-separated alternatives (search.html#combining), each non-empty. */
export function alternatives(param: string, raw: string): string[] {
  const values = splitEscaped(raw, ',');
  if (values.some((v) => v === '')) throw bad(param, 'empty value');
  return values;
}

export function unescape(value: string): string {
  return value.replace(/\\([\\,|$])/g, '$1');
}

export const bad = (param: string, message: string): Error =>
  invalid(`Search parameter '${param}': ${message}`, [param]);

/** A leading prefix (`ge2020`); `eq` when none. An unknown two-letter prefix is an error. */
export function splitPrefix(param: string, raw: string): { prefix: Prefix; rest: string } {
  const m = /^([a-z]{2})(.*)$/.exec(raw);
  if (m === null) return { prefix: 'eq', rest: raw };
  const [, p = '', rest = ''] = m;
  if (!PREFIXES.has(p)) throw bad(param, `unknown prefix '${p}' in '${raw}' (use eq, ne, gt, lt, ge, le, sa, eb or ap)`);
  return { prefix: p as Prefix, rest };
}

export function parseDate(param: string, raw: string): RangeMatch {
  const { prefix, rest } = splitPrefix(param, raw);
  const b = dateBounds(rest);
  if (b === undefined) throw bad(param, `'${raw}' is not a FHIR date, dateTime or instant`);
  return { prefix, start: b[0], end: b[1] };
}

const NUMBER = /^([+-]?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/;

/** A number with its implied precision range: `100` is [99.5, 100.5), `1e2` is [50, 150). */
export function parseNumber(param: string, raw: string): NumberMatch {
  const { prefix, rest } = splitPrefix(param, raw);
  const m = NUMBER.exec(rest);
  if (m === null) throw bad(param, `'${raw}' is not a number`);
  const value = Number(rest);
  const decimals = (m[3] ?? '').length;
  const exponent = Number(m[4] ?? 0);
  const half = 0.5 * 10 ** (exponent - decimals);
  return { prefix, value, start: value - half, end: value + half };
}

export function parseToken(raw: string): TokenMatch {
  const parts = splitEscaped(raw, '|');
  if (parts.length === 1) return { system: undefined, code: unescape(raw) };
  const [system = '', ...rest] = parts;
  const code = unescape(rest.join('|'));
  return { system: system === '' ? null : unescape(system), code: code === '' ? undefined : code };
}

export function parseQuantity(param: string, raw: string): QuantityMatch {
  const [num = '', system, ...codeParts] = splitEscaped(raw, '|');
  const n = parseNumber(param, num);
  const code = codeParts.length > 0 ? unescape(codeParts.join('|')) : undefined;
  return {
    ...n,
    system: system === undefined || system === '' ? undefined : unescape(system),
    code: code === '' ? undefined : code,
  };
}

/**
 * `id`, `Type/id`, `Type/id/_history/v`, an absolute URL (local when under this
 * server's base), or (with a `:Type` modifier) an id of that type.
 */
export function parseReference(param: string, raw: string, base: string, typeModifier: string | undefined): ReferenceMatch {
  const value = unescape(raw);
  if (value === '') throw bad(param, 'empty reference');
  const local = localTarget(value, base);
  if (local !== undefined) {
    if (typeModifier !== undefined && local.type !== typeModifier) throw bad(param, `'${value}' is not a ${typeModifier}`);
    return { kind: 'local', type: local.type, id: local.id };
  }
  if (/^[a-z][a-z0-9+.-]*:/i.test(value)) return { kind: 'url', url: value.split('|')[0] ?? value };
  if (!/^[A-Za-z0-9\-.]{1,64}$/.test(value)) throw bad(param, `'${value}' is not a resource id or reference`);
  return { kind: 'local', type: typeModifier, id: value };
}

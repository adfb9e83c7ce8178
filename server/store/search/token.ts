/**
 * token parameters (https://hl7.org/fhir/R4/search.html#token): Coding,
 * CodeableConcept, Identifier, ContactPoint, code, boolean and other primitives.
 * Index rows are (param, system, code); `:text` rows go to the string table and
 * Identifier `:of-type` rows to this table under derived keys.
 */
import type { IndexRows, TypedValue } from './rows.js';
import { anyOf, type SqlParams } from './sql-params.js';
import { clip, CLIP, isObject, str } from './values.js';

/** One token criterion: `code`, `system|code`, `|code` (system null), `system|` (code undefined). */
export interface TokenMatch {
  /** undefined: any system; null: no system. */
  readonly system: string | null | undefined;
  /** undefined: any code (`system|`). */
  readonly code: string | undefined;
}

/** Keys of the rows a token parameter writes besides its own. */
export interface TokenKeys {
  readonly key: number;
  /** string-table key for `:text` (CodeableConcept.text, Coding.display, Identifier.type.text). */
  readonly textKey: number;
  /** token-table key for `:of-type` (Identifier.type coding + value). */
  readonly ofTypeKey: number;
}

function coding(rows: IndexRows, keys: TokenKeys, c: unknown, texts: string[]): void {
  if (!isObject(c)) return;
  const code = str(c['code']);
  const system = str(c['system']) ?? null;
  if (code !== undefined || system !== null) rows.token.add(keys.key, system, code ?? null);
  const display = str(c['display']);
  if (display !== undefined) texts.push(display);
}

function identifier(rows: IndexRows, keys: TokenKeys, v: Record<string, unknown>, texts: string[]): void {
  const value = str(v['value']);
  const system = str(v['system']) ?? null;
  if (value !== undefined || system !== null) rows.token.add(keys.key, system, value ?? null);
  const type = v['type'];
  if (!isObject(type)) return;
  const typeText = str(type['text']);
  if (typeText !== undefined) texts.push(typeText);
  if (value === undefined || !Array.isArray(type['coding'])) return;
  for (const c of type['coding']) {
    const code = isObject(c) ? str(c['code']) : undefined;
    if (isObject(c) && code !== undefined) rows.token.add(keys.ofTypeKey, str(c['system']) ?? null, `${code}|${value}`);
  }
}

/**
 * Index rows of one value. `texts` collects what `:text` searches; the caller
 * writes them with the string normalisation (see string.ts).
 */
export function extractToken(rows: IndexRows, keys: TokenKeys, v: TypedValue, texts: string[], implicitSystem?: string): void {
  const value = v.value;
  switch (v.type) {
    case 'Coding':
      coding(rows, keys, value, texts);
      return;
    case 'CodeableConcept': {
      if (!isObject(value)) return;
      if (Array.isArray(value['coding'])) for (const c of value['coding']) coding(rows, keys, c, texts);
      const text = str(value['text']);
      if (text !== undefined) texts.push(text);
      return;
    }
    case 'Identifier':
      if (isObject(value)) identifier(rows, keys, value, texts);
      return;
    case 'ContactPoint': {
      // search.html#token: a ContactPoint matches on its value; its `system` (phone, email) is not a URI.
      const cp = isObject(value) ? str(value['value']) : undefined;
      if (cp !== undefined) rows.token.add(keys.key, null, cp);
      return;
    }
    case 'boolean':
      if (typeof value === 'boolean') rows.token.add(keys.key, null, String(value));
      return;
    default:
      if (typeof value === 'string') rows.token.add(keys.key, implicitSystem ?? null, value);
      else if (typeof value === 'number') rows.token.add(keys.key, null, String(value));
  }
}

/** The condition on one token row (alias `x`) for an OR of criteria. */
export function tokenWhere(x: string, matches: readonly TokenMatch[], p: SqlParams): string {
  const anySystemCodes: string[] = [];
  const parts: string[] = [];
  for (const raw of matches) {
    const m: TokenMatch = {
      system: typeof raw.system === 'string' ? clip(raw.system, CLIP.system) : raw.system,
      code: raw.code === undefined ? undefined : clip(raw.code, CLIP.code),
    };
    if (m.system === undefined && m.code !== undefined) anySystemCodes.push(m.code);
    else if (m.code === undefined) parts.push(m.system === null || m.system === undefined ? 'true' : `${x}.system = ${p.bind(m.system)}`);
    else if (m.system === null) parts.push(`(${x}.code = ${p.bind(m.code)} AND ${x}.system IS NULL)`);
    else parts.push(`(${x}.code = ${p.bind(m.code)} AND ${x}.system = ${p.bind(m.system)})`);
  }
  if (anySystemCodes.length === 1) parts.unshift(`${x}.code = ${p.bind(anySystemCodes[0])}`);
  else if (anySystemCodes.length > 1) parts.unshift(`${x}.code = ANY(${p.bind(anySystemCodes)}::text[])`);
  return anyOf(parts);
}

/** The value a token row sorts by (search.html#_sort). */
export const TOKEN_SORT = { asc: 'min(code)', desc: 'max(code)' } as const;

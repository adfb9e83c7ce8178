/**
 * string parameters (https://hl7.org/fhir/R4/search.html#string): every string
 * part of the element (all of HumanName and Address), matched case- and
 * accent-insensitively from the start by default, `:exact` on the original text,
 * `:contains` anywhere. Rows keep the normalised text (indexed, collation C, so
 * a prefix is an index range) and the original only when it differs.
 */
import type { IndexRows, TypedValue } from './rows.js';
import { anyOf, likeEscape, type SqlParams } from './sql-params.js';
import { isObject, str, strings } from './values.js';

/** Longest text indexed; a btree entry must stay well under PostgreSQL's ~2.7 kB limit. */
const MAX_CHARS = 512;

/** Printable ASCII with single spaces: nothing to decompose, strip or collapse. */
const PLAIN = /^[\x21-\x7e]+(?: [\x21-\x7e]+)*$/;

/** Lower case, accents removed, runs of white space collapsed (the rule the README states). */
export function normalizeString(s: string): string {
  // Most indexed text (names, codes, addresses) is plain ASCII: Unicode normalisation
  // and the two regular expressions were a tenth of indexing a Patient.
  if (PLAIN.test(s)) return (s.length > MAX_CHARS ? s.slice(0, MAX_CHARS) : s).toLowerCase();
  return s
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, MAX_CHARS);
}

export type StringMode = 'prefix' | 'exact' | 'contains';
export interface StringMatch {
  readonly value: string;
  readonly mode: StringMode;
}

const NAME_PARTS = ['family', 'given', 'prefix', 'suffix', 'text'];
const ADDRESS_PARTS = ['line', 'city', 'district', 'state', 'postalCode', 'country', 'text'];

/** Writes one text under a string-table key. */
export function addString(rows: IndexRows, key: number, text: string): void {
  const norm = normalizeString(text);
  if (norm === '') return;
  const exact = text.slice(0, MAX_CHARS);
  rows.string.add(key, norm, exact === norm ? null : exact);
}

function collect(v: unknown, out: string[], depth: number): void {
  if (typeof v === 'string') out.push(v);
  else if (Array.isArray(v)) for (const x of v) collect(x, out, depth);
  else if (isObject(v) && depth < 4) {
    for (const [k, x] of Object.entries(v)) if (k !== 'extension' && k !== 'id' && k !== 'system') collect(x, out, depth + 1);
  }
}

export function extractString(rows: IndexRows, key: number, v: TypedValue): void {
  const value = v.value;
  if (typeof value === 'string') {
    addString(rows, key, value);
    return;
  }
  if (!isObject(value)) return;
  const parts = v.type === 'HumanName' ? NAME_PARTS : v.type === 'Address' ? ADDRESS_PARTS : undefined;
  const texts: string[] = [];
  if (parts === undefined) collect(value, texts, 0);
  else for (const p of parts) texts.push(...strings(value, p));
  for (const t of texts) if (str(t) !== undefined) addString(rows, key, t);
}

/** The condition on one string row (alias `x`) for an OR of criteria. */
export function stringWhere(x: string, matches: readonly StringMatch[], p: SqlParams): string {
  return anyOf(
    matches.map((m) => {
      const norm = normalizeString(m.value);
      switch (m.mode) {
        case 'prefix':
          return `${x}.norm LIKE ${p.bind(`${likeEscape(norm)}%`)}`;
        case 'contains':
          return `${x}.norm LIKE ${p.bind(`%${likeEscape(norm)}%`)}`;
        case 'exact':
          return `(${x}.norm = ${p.bind(norm)} AND coalesce(${x}.exact, ${x}.norm) = ${p.bind(m.value.slice(0, MAX_CHARS))})`;
      }
    }),
  );
}

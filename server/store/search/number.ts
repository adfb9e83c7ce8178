/**
 * number parameters (https://hl7.org/fhir/R4/search.html#number): rows hold
 * [lo, hi] (equal for a single number). `eq` / `ne` / `ap` compare against the
 * search value's implied precision range (100 is [99.5, 100.5)); `gt` `lt` `ge`
 * `le` `sa` `eb` against the exact value, as the spec's examples state.
 */
import { rangeCondition, type Prefix } from './date.js';
import type { IndexRows, TypedValue } from './rows.js';
import { anyOf, type SqlParams } from './sql-params.js';
import { num } from './values.js';

export interface NumberMatch {
  readonly prefix: Prefix;
  /** The value as written. */
  readonly value: number;
  /** Its precision range [start, end). */
  readonly start: number;
  readonly end: number;
}

export function extractNumber(rows: IndexRows, key: number, v: TypedValue): void {
  const n = num(v.value);
  if (n !== undefined) rows.number.add(key, n, n);
}

/** The search bounds a prefix compares with. */
export function numberBounds(m: NumberMatch): [number, number] {
  switch (m.prefix) {
    case 'eq':
    case 'ne':
      return [m.start, m.end];
    case 'ap': {
      const d = Math.max(Math.abs(m.value) * 0.1, (m.end - m.start) / 2);
      return [m.value - d, m.value + d];
    }
    case 'gt':
    case 'lt':
    case 'ge':
    case 'le':
    case 'sa':
    case 'eb':
      return [m.value, m.value];
  }
}

/** One comparison on `lo` / `hi` columns (float8), shared with quantity and composite. */
export function numberCondition(m: NumberMatch, lo: string, hi: string, p: SqlParams): string {
  const [s, e] = numberBounds(m);
  return rangeCondition(m.prefix, lo, hi, () => `${p.bind(s)}::float8`, () => `${p.bind(e)}::float8`);
}

export function numberWhere(x: string, matches: readonly NumberMatch[], p: SqlParams): string {
  return anyOf(matches.map((m) => numberCondition(m, `${x}.lo`, `${x}.hi`, p)));
}

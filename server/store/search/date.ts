/**
 * date parameters (https://hl7.org/fhir/R4/search.html#date): every value is a
 * half-open time range [lo, hi) at its precision (a date is its whole day, a
 * Period runs from its start to the end of its end, open ends are ±infinity),
 * and prefixes compare ranges as search.html#prefix defines.
 */
import { parseDateRange } from '../../fhir/model/date-range.js';
import type { IndexRows, TypedValue } from './rows.js';
import { anyOf, type SqlParams } from './sql-params.js';
import { isObject, str } from './values.js';

export type Prefix = 'eq' | 'ne' | 'gt' | 'lt' | 'ge' | 'le' | 'sa' | 'eb' | 'ap';

/** The search value's range, in epoch milliseconds. */
export interface RangeMatch {
  readonly prefix: Prefix;
  readonly start: number;
  readonly end: number;
}

const NEG = '-infinity';
const POS = 'infinity';

function iso(ms: number): string {
  return Number.isFinite(ms) ? new Date(ms).toISOString() : ms > 0 ? POS : NEG;
}

/** [start, end) in epoch ms of a FHIR date / dateTime / instant; undefined if malformed. */
export function dateBounds(value: string): [number, number] | undefined {
  const r = parseDateRange(value);
  return r === undefined ? undefined : [r.start.getTime(), r.end.getTime()];
}

/** [start, end) of a Period: open ends are unbounded. */
export function periodBounds(p: Record<string, unknown>): [number, number] | undefined {
  const s = str(p['start']);
  const e = str(p['end']);
  if (s === undefined && e === undefined) return undefined;
  const lo = s === undefined ? -Infinity : dateBounds(s)?.[0];
  const hi = e === undefined ? Infinity : dateBounds(e)?.[1];
  return lo === undefined || hi === undefined ? undefined : [lo, hi];
}

/** Every range a value covers: primitives, Period, and Timing (each event and the bounds). */
export function valueRanges(v: TypedValue): [number, number][] {
  const value = v.value;
  if (typeof value === 'string') {
    const b = dateBounds(value);
    return b === undefined ? [] : [b];
  }
  if (!isObject(value)) return [];
  if (v.type === 'Period') {
    const b = periodBounds(value);
    return b === undefined ? [] : [b];
  }
  if (v.type === 'Timing') {
    const out: [number, number][] = [];
    if (Array.isArray(value['event'])) {
      for (const e of value['event']) {
        const b = typeof e === 'string' ? dateBounds(e) : undefined;
        if (b !== undefined) out.push(b);
      }
    }
    const repeat = value['repeat'];
    if (isObject(repeat) && isObject(repeat['boundsPeriod'])) {
      const b = periodBounds(repeat['boundsPeriod']);
      if (b !== undefined) out.push(b);
    }
    return out;
  }
  return [];
}

export function extractDate(rows: IndexRows, key: number, v: TypedValue): void {
  for (const [lo, hi] of valueRanges(v)) rows.date.add(key, iso(lo), iso(hi));
}

/** 10% of the distance from now, at least the value's own range (search.html#prefix `ap`). */
function approxMargin(m: RangeMatch, now: number): number {
  return Math.max(Math.abs(now - m.start) * 0.1, m.end - m.start);
}

/**
 * The condition for one prefix on a range row. `lo` / `hi` are the row's range
 * columns; `start` / `end` bind the search value's range when called (only the
 * ends a prefix uses are bound: PostgreSQL rejects unused typed parameters).
 * "Above the search value" is [end, ∞), "below" is (-∞, start).
 */
export function rangeCondition(prefix: Prefix, lo: string, hi: string, start: () => string, end: () => string): string {
  switch (prefix) {
    case 'eq': {
      // lo < end is implied (lo < hi <= end) but bounds the index range on lo.
      const e = end();
      return `(${lo} >= ${start()} AND ${lo} < ${e} AND ${hi} <= ${e})`;
    }
    case 'ne': {
      const e = end();
      return `NOT (${lo} >= ${start()} AND ${lo} < ${e} AND ${hi} <= ${e})`;
    }
    case 'gt':
      return `${hi} > ${end()}`;
    case 'lt':
      return `${lo} < ${start()}`;
    case 'ge':
      // "above intersects, or contained": hi > end, or (lo >= start and hi <= end);
      // equal to lo >= start OR hi > end, two index ranges.
      return `(${lo} >= ${start()} OR ${hi} > ${end()})`;
    case 'le':
      return `(${lo} < ${start()} OR ${hi} <= ${end()})`;
    case 'sa':
      return `${lo} >= ${end()}`;
    case 'eb':
      return `${hi} <= ${start()}`;
    case 'ap':
      return `(${lo} < ${end()} AND ${hi} > ${start()})`;
  }
}

/**
 * The same rules for a column holding a point in time (`last_updated`), written
 * so that each is an index range on the column.
 */
export function pointCondition(prefix: Prefix, col: string, start: () => string, end: () => string): string {
  switch (prefix) {
    case 'eq':
    case 'ap':
      return `(${col} >= ${start()} AND ${col} < ${end()})`;
    case 'ne':
      return `NOT (${col} >= ${start()} AND ${col} < ${end()})`;
    case 'gt':
    case 'sa':
      return `${col} >= ${end()}`;
    case 'lt':
    case 'eb':
      return `${col} < ${start()}`;
    case 'ge':
      return `${col} >= ${start()}`;
    case 'le':
      return `${col} < ${end()}`;
  }
}

/** Widens the search range for `ap`; other prefixes use it as given. */
export function effectiveRange(m: RangeMatch, now: number): [number, number] {
  if (m.prefix !== 'ap') return [m.start, m.end];
  const d = approxMargin(m, now);
  return [m.start - d, m.end + d];
}

export function dateWhere(x: string, matches: readonly RangeMatch[], p: SqlParams, now: number): string {
  return anyOf(
    matches.map((m) => {
      const [s, e] = effectiveRange(m, now);
      return rangeCondition(m.prefix, `${x}.lo`, `${x}.hi`, () => `${p.bind(iso(s))}::timestamptz`, () => `${p.bind(iso(e))}::timestamptz`);
    }),
  );
}

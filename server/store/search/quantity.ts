/**
 * quantity parameters (https://hl7.org/fhir/R4/search.html#quantity):
 * `[prefix]value|system|code` and `value||unit`; rows hold [lo, hi] (a Range
 * keeps both ends, open ends are ±infinity), system, code and unit. Money is a
 * quantity in its currency (system urn:iso:std:iso:4217).
 */
import { numberCondition, type NumberMatch } from './number.js';
import type { IndexRows, TypedValue } from './rows.js';
import { anyOf, type SqlParams } from './sql-params.js';
import { isObject, num, str } from './values.js';

export interface QuantityMatch extends NumberMatch {
  readonly system: string | undefined;
  /** Matches the code, or the unit when no system is given (`value||unit`). */
  readonly code: string | undefined;
}

const CURRENCY = 'urn:iso:std:iso:4217';

function quantity(rows: IndexRows, key: number, q: Record<string, unknown>, lo: number, hi: number): void {
  rows.quantity.add(key, lo, hi, str(q['system']) ?? null, str(q['code']) ?? null, str(q['unit']) ?? null);
}

export function extractQuantity(rows: IndexRows, key: number, v: TypedValue): void {
  const q = v.value;
  if (!isObject(q)) return;
  if (v.type === 'Range') {
    const low = isObject(q['low']) ? q['low'] : undefined;
    const high = isObject(q['high']) ? q['high'] : undefined;
    const lo = low === undefined ? undefined : num(low['value']);
    const hi = high === undefined ? undefined : num(high['value']);
    if (lo === undefined && hi === undefined) return;
    quantity(rows, key, low ?? high ?? {}, lo ?? -Infinity, hi ?? Infinity);
    return;
  }
  const value = num(q['value']);
  if (value === undefined) return;
  if (v.type === 'Money') {
    const currency = str(q['currency']) ?? null;
    rows.quantity.add(key, value, value, CURRENCY, currency, currency);
    return;
  }
  // A comparator (`<5`) makes the value an open range (datatypes.html#Quantity).
  switch (q['comparator']) {
    case '<':
    case '<=':
      quantity(rows, key, q, -Infinity, value);
      return;
    case '>':
    case '>=':
      quantity(rows, key, q, value, Infinity);
      return;
    default:
      quantity(rows, key, q, value, value);
  }
}

/** Unit criteria on the given system / code / unit columns (`value||unit` matches code or unit). */
export function unitCondition(
  cols: { system: string; code: string; unit: string },
  system: string | undefined,
  code: string | undefined,
  p: SqlParams,
): string[] {
  const out: string[] = [];
  if (system !== undefined) out.push(`${cols.system} = ${p.bind(system)}`);
  if (code !== undefined) {
    const c = p.bind(code);
    out.push(system === undefined && cols.unit !== cols.code ? `(${cols.code} = ${c} OR ${cols.unit} = ${c})` : `${cols.code} = ${c}`);
  }
  return out;
}

export function quantityWhere(x: string, matches: readonly QuantityMatch[], p: SqlParams): string {
  return anyOf(
    matches.map((m) => {
      const parts = [numberCondition(m, `${x}.lo`, `${x}.hi`, p), ...unitCondition({ system: `${x}.system`, code: `${x}.code`, unit: `${x}.unit` }, m.system, m.code, p)];
      return `(${parts.join(' AND ')})`;
    }),
  );
}

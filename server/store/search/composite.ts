/**
 * composite parameters (https://hl7.org/fhir/R4/search.html#composite): each
 * combination of component values found under one item of the parameter's
 * expression is one row, in generic slots: component 1 in (s1, c1) (token or
 * reference), component 2 in (s2, c2, lo2, hi2), component 3 in (lo3, hi3)
 * (R4's third components are all numbers). Dates in slots are epoch ms.
 */
import { normalizeString } from './string.js';
import { rangeCondition, valueRanges, type RangeMatch } from './date.js';
import { numberCondition, type NumberMatch } from './number.js';
import { extractQuantity, unitCondition, type QuantityMatch } from './quantity.js';
import { extractReference, type ReferenceMatch } from './reference.js';
import { IndexRows, type CompositeSlots, type TypedValue } from './rows.js';
import { likeEscape, type SqlParams } from './sql-params.js';
import { extractToken, type TokenMatch } from './token.js';
import { num } from './values.js';
import type { StringMatch } from './string.js';

export type ComponentKind = 'token' | 'reference' | 'quantity' | 'number' | 'date' | 'string' | 'uri';

export type ComponentMatch =
  | { readonly kind: 'token'; readonly match: TokenMatch }
  | { readonly kind: 'reference'; readonly match: ReferenceMatch }
  | { readonly kind: 'quantity'; readonly match: QuantityMatch }
  | { readonly kind: 'number'; readonly match: NumberMatch }
  | { readonly kind: 'date'; readonly match: RangeMatch }
  | { readonly kind: 'string'; readonly match: StringMatch }
  | { readonly kind: 'uri'; readonly match: { readonly value: string } };

/** One component value in slot form: text pair and/or numeric range. */
interface Slot {
  s: string | null;
  c: string | null;
  lo: number | null;
  hi: number | null;
}

/** Reused for every component value (reset first); slotsOf copies what it needs out of it at once. */
const scratch = new IndexRows();

function slotsOf(kind: ComponentKind, v: TypedValue, base: string): Slot[] {
  scratch.reset();
  switch (kind) {
    case 'token':
      extractToken(scratch, { key: 0, textKey: -1, ofTypeKey: -1 }, v, []);
      return pairs(scratch.token.columns, 0).map(([s, c]) => ({ s, c, lo: null, hi: null }));
    case 'reference':
      extractReference(scratch, 0, -1, v, base);
      return pairs(scratch.reference.columns, 0).map(([s, c]) => ({ s, c, lo: null, hi: null }));
    case 'quantity': {
      extractQuantity(scratch, 0, v);
      const [, lo, hi, sys, code, unit] = scratch.quantity.columns;
      return (lo ?? []).map((l, i) => ({
        s: (sys?.[i] as string | null) ?? null,
        c: (code?.[i] as string | null) ?? (unit?.[i] as string | null) ?? null,
        lo: l as number,
        hi: hi?.[i] as number,
      }));
    }
    case 'number': {
      const n = num(v.value);
      return n === undefined ? [] : [{ s: null, c: null, lo: n, hi: n }];
    }
    case 'date':
      return valueRanges(v).map(([lo, hi]) => ({ s: null, c: null, lo, hi }));
    case 'string':
    case 'uri':
      return typeof v.value === 'string' ? [{ s: null, c: kind === 'string' ? normalizeString(v.value) : v.value, lo: null, hi: null }] : [];
  }
}

function pairs(columns: readonly unknown[][], key: number): [string | null, string | null][] {
  const [k, a, b] = columns;
  const out: [string | null, string | null][] = [];
  (k ?? []).forEach((kk, i) => {
    if (kk === key) out.push([(a?.[i] as string | null) ?? null, (b?.[i] as string | null) ?? null]);
  });
  return out;
}

/** Rows for one item: the cross product of its components' values. */
export function extractComposite(
  rows: IndexRows,
  key: number,
  components: readonly { kind: ComponentKind; values: readonly TypedValue[] }[],
  base: string,
): void {
  const lists = components.map((c) => c.values.flatMap((v) => slotsOf(c.kind, v, base)));
  if (lists.some((l) => l.length === 0)) return;
  const [first = [], second = [], third] = lists;
  for (const a of first) {
    for (const b of second) {
      for (const c of third ?? [undefined]) {
        const s: CompositeSlots = { s1: a.s, c1: a.c, s2: b.s, c2: b.c, lo2: b.lo, hi2: b.hi, lo3: c?.lo ?? null, hi3: c?.hi ?? null };
        rows.addComposite(key, s);
      }
    }
  }
}

function textPair(m: TokenMatch, s: string, c: string, p: SqlParams): string[] {
  const out: string[] = [];
  if (m.code !== undefined) out.push(`${c} = ${p.bind(m.code)}`);
  if (m.system === null) out.push(`${s} IS NULL`);
  else if (m.system !== undefined) out.push(`${s} = ${p.bind(m.system)}`);
  return out;
}

function componentCondition(x: string, slot: number, m: ComponentMatch, p: SqlParams): string[] {
  const s = `${x}.s${slot}`;
  const c = `${x}.c${slot}`;
  const lo = `${x}.lo${slot}`;
  const hi = `${x}.hi${slot}`;
  switch (m.kind) {
    case 'token':
      return textPair(m.match, s, c, p);
    case 'reference':
      return m.match.kind === 'url'
        ? [`${c} = ${p.bind(m.match.url)}`, `${s} IS NULL`]
        : [`${c} = ${p.bind(m.match.id)}`, m.match.type === undefined ? `${s} IS NOT NULL` : `${s} = ${p.bind(m.match.type)}`];
    case 'quantity':
      return [numberCondition(m.match, lo, hi, p), ...unitCondition({ system: s, code: c, unit: c }, m.match.system, m.match.code, p)];
    case 'number':
      return [numberCondition(m.match, lo, hi, p)];
    case 'date': {
      const { start, end } = m.match;
      return [rangeCondition(m.match.prefix, lo, hi, () => `${p.bind(start)}::float8`, () => `${p.bind(end)}::float8`)];
    }
    case 'string': {
      const norm = normalizeString(m.match.value);
      return [m.match.mode === 'exact' ? `${c} = ${p.bind(norm)}` : `${c} LIKE ${p.bind(`${m.match.mode === 'contains' ? '%' : ''}${likeEscape(norm)}%`)}`];
    }
    case 'uri':
      return [`${c} = ${p.bind(m.match.value)}`];
  }
}

/** The condition on one composite row for one value (`a$b[$c]`: all components on the same row). */
export function compositeWhere(x: string, components: readonly ComponentMatch[], p: SqlParams): string {
  const parts = components.flatMap((m, i) => componentCondition(x, i + 1, m, p));
  return parts.length === 0 ? 'true' : `(${parts.join(' AND ')})`;
}

import { pgArray } from '../pg-array.js';
import { CONTENT_QUEUED, indexMask } from './index-write-sql.js';
import { CLIP } from './values.js';

/**
 * The search index rows of one resource version, collected column by column so
 * that each index table is written by a single `INSERT … SELECT FROM unnest(…)`
 * inside the statement that writes the resource (see index-write-sql.ts).
 * Rows are deduplicated: identical rows would only cost space.
 */

/** A value found by a search parameter's expression, with its FHIR type (`Coding`, `dateTime`...). */
export interface TypedValue {
  readonly value: unknown;
  readonly type: string;
}

const NO_ROWS: readonly unknown[][] = Object.freeze([]);
const NO_LIMITS: readonly (number | undefined)[] = Object.freeze([]);

/**
 * One table's rows, column by column. Built lazily: a resource fills only a few of
 * the nine tables, and composite extraction makes a scratch IndexRows per value, so
 * empty tables must cost nothing (they were a tenth of the write path's CPU).
 */
class Columns<T extends unknown[]> {
  private cols: unknown[][] | undefined;
  private count = 0;
  /** Row keys, built once a table is long enough for a linear scan to cost more. */
  private seen: Set<string> | undefined;
  /** `limits[i]`: longest text column i keeps (see CLIP). */
  constructor(private readonly limits: readonly (number | undefined)[] = NO_LIMITS) {}

  /** The columns (each one value per row); no arrays at all while there are no rows. */
  get columns(): readonly unknown[][] {
    return this.cols ?? NO_ROWS;
  }

  add(...row: T): void {
    for (let i = 0; i < this.limits.length; i += 1) {
      const max = this.limits[i];
      const v = row[i];
      if (max !== undefined && typeof v === 'string' && v.length > max) row[i] = v.slice(0, max);
    }
    const cols = (this.cols ??= row.map(() => []));
    if (this.has(cols, row)) return;
    for (let i = 0; i < row.length; i += 1) cols[i]?.push(row[i]);
    this.count += 1;
    this.seen?.add(rowKey(row));
  }

  /**
   * Whether an identical row is there already. Most tables of a resource hold a few
   * rows: comparing them value by value allocates nothing, where a key string per
   * row was a few per cent of a bulk load's CPU.
   */
  private has(cols: readonly unknown[][], row: readonly unknown[]): boolean {
    if (this.count < LINEAR_SCAN_ROWS) {
      for (let r = 0; r < this.count; r += 1) {
        let same = true;
        for (let i = 0; i < row.length && same; i += 1) same = cols[i]?.[r] === row[i];
        if (same) return true;
      }
      return false;
    }
    if (this.seen === undefined) {
      this.seen = new Set();
      for (let r = 0; r < this.count; r += 1) this.seen.add(rowKey(cols.map((c) => c[r])));
    }
    return this.seen.has(rowKey(row));
  }

  get size(): number {
    return this.count;
  }

  /** Empties the table, keeping its arrays for the next rows (a reused scratch, see IndexRows.reset). */
  reset(): void {
    if (this.cols !== undefined) for (const c of this.cols) c.length = 0;
    this.count = 0;
    this.seen = undefined;
  }
}

/** Rows up to which duplicates are found by comparing values (beyond: by key). */
const LINEAR_SCAN_ROWS = 16;

/** A row as one string that keeps strings, numbers (±Infinity too) and null apart. */
function rowKey(row: readonly unknown[]): string {
  return row.map((v) => (v === null ? '\u0002' : typeof v === 'number' ? `\u0003${v}` : typeof v === 'string' ? v : JSON.stringify(v))).join('\u0001');
}

/** Composite component values laid out in generic slots (see composite.ts). */
export interface CompositeSlots {
  s1: string | null;
  c1: string | null;
  s2: string | null;
  c2: string | null;
  lo2: number | null;
  hi2: number | null;
  lo3: number | null;
  hi3: number | null;
}

export class IndexRows {
  /** param, system, code */
  readonly token = new Columns<[number, string | null, string | null]>([undefined, CLIP.system, CLIP.code]);
  /** param, normalised value, exact value (null when equal to the normalised one) */
  readonly string = new Columns<[number, string, string | null]>();
  /** param, range start, range end (ISO instants or ±infinity), half-open */
  readonly date = new Columns<[number, string, string]>();
  /** param, low, high (a point has low = high) */
  readonly number = new Columns<[number, number, number]>();
  /** param, low, high, system, code, unit */
  readonly quantity = new Columns<[number, number, number, string | null, string | null, string | null]>();
  /** param, target type (null: not a reference to this server), target id or URL */
  readonly reference = new Columns<[number, string | null, string]>([undefined, CLIP.system, CLIP.reference]);
  /** param, uri */
  readonly uri = new Columns<[number, string]>([undefined, CLIP.uri]);
  /** param, s1, c1, s2, c2, lo2, hi2, lo3, hi3 */
  readonly composite = new Columns<
    [number, string | null, string | null, string | null, string | null, number | null, number | null, number | null, number | null]
  >([undefined, CLIP.slot, CLIP.slot, CLIP.slot, CLIP.slot]);
  /** kind (1 narrative, 2 content), text for PostgreSQL full-text search */
  readonly text = new Columns<[number, string]>();

  /**
   * Set when the `_content` rows are left to the background (content-index.ts): the
   * write statement then queues the resource for them (mask bit CONTENT_QUEUED).
   */
  contentDeferred = false;

  addComposite(param: number, s: CompositeSlots): void {
    this.composite.add(param, s.s1, s.c1, s.s2, s.c2, s.lo2, s.hi2, s.lo3, s.hi3);
  }

  /** Each table's columns, in INDEX_TABLES order (index-write-sql.ts); an empty table has none. */
  tables(): (readonly unknown[][])[] {
    return [
      this.token.columns,
      this.string.columns,
      this.date.columns,
      this.number.columns,
      this.quantity.columns,
      this.reference.columns,
      this.uri.columns,
      this.composite.columns,
      this.text.columns,
    ];
  }

  /** Which tables have rows (bit i: table i), and the bind values of those tables' columns (array literals, pgArray). */
  statementParts(): { mask: number; values: string[] } {
    const tables = this.tables();
    const mask = indexMask(tables) | (this.contentDeferred ? CONTENT_QUEUED : 0);
    return { mask, values: tables.filter((_t, i) => (mask & (1 << i)) !== 0).flat().map(pgArray) };
  }

  /**
   * The bind values of many resources' rows for one multi-row statement
   * (index-write-sql.ts indexInsertCtes with a batch): per table with any rows, an `ord`
   * column (1-based position of the resource in `all`) then its own columns.
   */
  static statementPartsOfMany(all: readonly IndexRows[]): { mask: number; values: string[] } {
    const perResource = all.map((rows) => rows.tables());
    const width = perResource[0]?.length ?? 0;
    let mask = 0;
    const values: string[] = [];
    for (let t = 0; t < width; t += 1) {
      const ord: number[] = [];
      const merged: unknown[][] = [];
      perResource.forEach((tables, r) => {
        const columns = tables[t] ?? [];
        const count = columns[0]?.length ?? 0;
        if (count === 0) return;
        columns.forEach((col, c) => {
          const into = (merged[c] ??= []);
          for (const v of col) into.push(v);
        });
        for (let i = 0; i < count; i += 1) ord.push(r + 1);
      });
      if (ord.length === 0) continue;
      mask |= 1 << t;
      values.push(pgArray(ord), ...merged.map(pgArray));
    }
    if (all.some((rows) => rows.contentDeferred)) mask |= CONTENT_QUEUED;
    return { mask, values };
  }

  /**
   * Empties every table. Composite extraction reads each component value through one
   * scratch IndexRows, reset before each value: a new one per value was the largest
   * allocation of index extraction.
   */
  reset(): void {
    // One call each rather than a loop over a new array: this runs for every component value.
    this.token.reset();
    this.string.reset();
    this.date.reset();
    this.number.reset();
    this.quantity.reset();
    this.reference.reset();
    this.uri.reset();
    this.composite.reset();
    this.text.reset();
  }

  get size(): number {
    return (
      this.token.size +
      this.string.size +
      this.date.size +
      this.number.size +
      this.quantity.size +
      this.reference.size +
      this.uri.size +
      this.composite.size +
      this.text.size
    );
  }
}

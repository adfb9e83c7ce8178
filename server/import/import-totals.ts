import type { ChunkResult, ImportFailure, TypeTally } from '../store/import-job-types.js';

/** A job's results added up: per resource type and overall, and its failures in order. */
export interface ImportTotals extends TypeTally {
  readonly byType: ReadonlyMap<string, TypeTally>;
  readonly failures: readonly ImportFailure[];
  /** Failures not listed (over `maxFailures`). */
  readonly failuresOmitted: number;
}

/** Adds up chunk results (in chunk order), listing at most `maxFailures` failures. */
export function totalsOf(results: readonly ChunkResult[], maxFailures = Number.POSITIVE_INFINITY): ImportTotals {
  const byType = new Map<string, TypeTally>();
  const total: TypeTally = { loaded: 0, skipped: 0, failed: 0 };
  const failures: ImportFailure[] = [];
  let omitted = 0;
  for (const r of results) {
    for (const [type, c] of Object.entries(r.counts)) {
      const t = byType.get(type) ?? { loaded: 0, skipped: 0, failed: 0 };
      t.loaded += c.loaded;
      t.skipped += c.skipped;
      t.failed += c.failed;
      byType.set(type, t);
      total.loaded += c.loaded;
      total.skipped += c.skipped;
      total.failed += c.failed;
    }
    for (const f of r.failures) {
      if (failures.length < maxFailures) failures.push(f);
      else omitted += 1;
    }
  }
  return { ...total, byType: new Map([...byType].sort(([a], [b]) => (a < b ? -1 : 1))), failures, failuresOmitted: omitted };
}

/** Several results of one chunk as one (the entries loaded before a claim died, and the rest). */
export function combinedResult(results: readonly ChunkResult[]): ChunkResult {
  const totals = totalsOf(results);
  return { counts: Object.fromEntries(totals.byType), failures: totals.failures };
}

import type { ImportTally } from './tally.js';

const n = (v: number): string => v.toLocaleString('en-US');

/** The end-of-import report: per type loaded / skipped / failed, totals, rate, and each failure's reason. */
export function summaryLines(tally: ImportTally, seconds: number): string[] {
  const rows = [...tally.byType.entries()].sort((a, b) => b[1].loaded + b[1].skipped + b[1].failed - (a[1].loaded + a[1].skipped + a[1].failed));
  const total = { loaded: 0, skipped: 0, failed: 0 };
  for (const [, c] of rows) {
    total.loaded += c.loaded;
    total.skipped += c.skipped;
    total.failed += c.failed;
  }
  const width = Math.max(5, ...rows.map(([t]) => t.length));
  const line = (name: string, c: { loaded: number; skipped: number; failed: number }): string =>
    `${name.padEnd(width)}  ${n(c.loaded).padStart(9)}  ${n(c.skipped).padStart(9)}  ${n(c.failed).padStart(9)}`;
  const rate = seconds > 0 ? Math.round(tally.resources / seconds) : 0;
  const out = [
    `${n(tally.filesDone)} file${tally.filesDone === 1 ? '' : 's'} (${n(tally.filesFailed)} failed), ${n(tally.resources)} resources in ${seconds.toFixed(1)} s (${n(rate)} resources/s)`,
    '',
    `${'type'.padEnd(width)}  ${'loaded'.padStart(9)}  ${'skipped'.padStart(9)}  ${'failed'.padStart(9)}`,
    ...rows.map(([t, c]) => line(t, c)),
    line('total', total),
  ];
  if (tally.failures.length > 0) {
    out.push('', 'failures:');
    for (const f of tally.failures) out.push(`  ${f.file}: ${f.reason}`);
  }
  return out;
}

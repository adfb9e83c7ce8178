import type { Issue, IssueType } from '../../errors/issue.js';

/** An error-severity issue at one or more FHIRPath locations (none: the whole input). */
export function errorIssue(code: IssueType, diagnostics: string, expression?: string | readonly string[]): Issue {
  if (expression === undefined) return { severity: 'error', code, diagnostics };
  const expressions = typeof expression === 'string' ? [expression] : expression;
  return { severity: 'error', code, diagnostics, expression: expressions };
}

/**
 * One issue per (location, code): the schema and the snapshot walk can both notice the same
 * problem (e.g. a resource id), and a client needs it once. The most severe one wins (the
 * first among equals, so callers add the more precise source first). Invariants are told
 * apart by their key: two invariants failing on one element are two problems.
 */
const RANK: Readonly<Record<Issue['severity'], number>> = { fatal: 3, error: 2, warning: 1, information: 0 };

function dedupeKey(issue: Issue): string {
  const where = (issue.expression ?? []).join('|');
  if (issue.code !== 'invariant') return `${issue.code}\u0000${where}`;
  const key = /: ([A-Za-z0-9.-]+): /.exec(issue.diagnostics)?.[1] ?? issue.diagnostics;
  return `${issue.code}\u0000${where}\u0000${key}`;
}

export function dedupeIssues(issues: readonly Issue[]): Issue[] {
  const kept = new Map<string, number>();
  const out: Issue[] = [];
  for (const issue of issues) {
    const key = dedupeKey(issue);
    const at = kept.get(key);
    if (at === undefined) {
      kept.set(key, out.length);
      out.push(issue);
      continue;
    }
    const previous = out[at];
    if (previous !== undefined && RANK[issue.severity] > RANK[previous.severity]) out[at] = issue;
  }
  return out;
}

/** Short, log-safe rendering of a JSON value for diagnostics. */
export function showValue(value: unknown): string {
  const json = JSON.stringify(value) as string | undefined; // undefined for `undefined`
  const text = typeof value === 'string' ? `'${value}'` : (json ?? String(value));
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

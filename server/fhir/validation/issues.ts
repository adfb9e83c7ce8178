import type { Issue, IssueType } from '../../errors/issue.js';

/** An error-severity issue at one or more FHIRPath locations (none: the whole input). */
export function errorIssue(code: IssueType, diagnostics: string, expression?: string | readonly string[]): Issue {
  if (expression === undefined) return { severity: 'error', code, diagnostics };
  const expressions = typeof expression === 'string' ? [expression] : expression;
  return { severity: 'error', code, diagnostics, expression: expressions };
}

/**
 * One issue per (location, code): the schema and the snapshot walk can both notice the same
 * problem (e.g. a resource id), and a client needs it once. The first one wins, so callers
 * add the more precise source first.
 */
export function dedupeIssues(issues: readonly Issue[]): Issue[] {
  const seen = new Set<string>();
  const out: Issue[] = [];
  for (const issue of issues) {
    const key = `${issue.code}\u0000${(issue.expression ?? []).join('|')}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(issue);
  }
  return out;
}

/** Short, log-safe rendering of a JSON value for diagnostics. */
export function showValue(value: unknown): string {
  const json = JSON.stringify(value) as string | undefined; // undefined for `undefined`
  const text = typeof value === 'string' ? `'${value}'` : (json ?? String(value));
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/**
 * Bind values of one statement being built. Only constant SQL and the `$n`
 * placeholders this hands out are ever spliced into statement text; every
 * value from a request reaches PostgreSQL as a bind parameter.
 */
export class SqlParams {
  readonly values: unknown[] = [];
  private aliasCount = 0;

  bind(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }

  /** A fresh table alias (`x1`, `x2`...) for nested sub-queries. */
  alias(prefix = 'x'): string {
    this.aliasCount += 1;
    return `${prefix}${this.aliasCount}`;
  }
}

/** `col = $n` for one value, `col = ANY($n)` for several. */
export function eqAny(col: string, values: readonly (string | number)[], p: SqlParams, cast: string): string {
  if (values.length === 1) return `${col} = ${p.bind(values[0])}`;
  return `${col} = ANY(${p.bind(values)}::${cast}[])`;
}

/** Escapes LIKE wildcards so that user text matches literally. */
export function likeEscape(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** OR of fragments, parenthesised; 'false' when empty. */
export function anyOf(parts: readonly string[]): string {
  if (parts.length === 0) return 'false';
  return parts.length === 1 ? (parts[0] ?? 'false') : `(${parts.join(' OR ')})`;
}

/**
 * The statements that match many conditional criteria at once (a Bundle's
 * conditional creates, https://hl7.org/fhir/R4/http.html#ccreate): up to `limit`
 * current versions per criteria (id, version, time, JSON: a create that finds its
 * match answers with it), each row tagged with the criteria's position `k`.
 */
import type { Condition } from './condition.js';
import type { Statement } from '../history-sql.js';
import { baseWhere } from './search-sql.js';
import { SqlParams } from './sql-params.js';

/** One set of criteria of matchManyStatements. */
export interface MatchCriteria {
  readonly types: readonly string[];
  readonly conditions: readonly Condition[];
}

/**
 * Criteria per UNION ALL statement. PostgreSQL plans a statement of a thousand
 * branches in more than the time of sixteen statements of 64 (measured: 1,000
 * criteria took 220 - 257 ms in one statement, 131 - 159 ms in statements of 32 to 128).
 */
const BRANCHES_PER_STATEMENT = 64;

const COLUMNS = 'r.id, r.version_id, r.last_updated, r.deleted';

/** One criteria's WHERE clause, as matchStatement would send it, with its values. */
interface Single {
  readonly k: number;
  readonly where: string;
  readonly values: readonly unknown[];
}

/**
 * The SQL type a value takes as a column of the criteria table of a templated
 * statement; undefined for values that stay parameters (arrays, bound whole as `text[]`).
 * A parameter compared without a cast takes its type from the column it meets,
 * which a column of the criteria table must then match: strings meet text columns,
 * numbers numeric ones (the builder casts dates and the like explicitly).
 */
function columnType(value: unknown): string | undefined {
  if (typeof value === 'string') return 'text';
  if (typeof value === 'number') return Number.isSafeInteger(value) ? 'int8' : 'float8';
  if (typeof value === 'boolean') return 'bool';
  return undefined;
}

/** `where` with each parameter placeholder `$n` replaced by `to(n)` (the builder puts `$` nowhere else). */
function withPlaceholders(where: string, to: (n: number) => string): string {
  return where.replace(/\$(\d+)/g, (_, n: string) => to(Number(n)));
}

/**
 * Criteria of one shape (the same WHERE text and value types: Synthea's thousands of
 * `identifier=system|value`) as one statement that PostgreSQL plans once: their
 * values are the rows of a criteria table `c`, and the WHERE clause, its parameters
 * turned into that table's columns, runs for each row (a LATERAL join). As many
 * branches of a UNION ALL, each would be planned on its own (~130 µs of the
 * database's CPU each).
 */
function templated(group: readonly Single[], types: readonly string[], limit: number): Statement {
  const first = group[0];
  if (first === undefined) throw new Error('templated: an empty group');
  const columns = types.map((_, i) => `p${String(i + 1)}`);
  const arrays = types.map((t, i) => `$${String(i + 2)}::${t}[]`);
  const where = withPlaceholders(first.where, (n) => `c.p${String(n)}`);
  const text = `SELECT c.k, m.id, m.version_id, m.last_updated, m.deleted, m.content::text AS json
    FROM unnest($1::int4[], ${arrays.join(', ')}) AS c(k, ${columns.join(', ')})
   CROSS JOIN LATERAL (SELECT ${COLUMNS}, r.content FROM resource r WHERE ${where} LIMIT $${String(types.length + 2)}) m`;
  const values: unknown[] = [group.map((s) => s.k), ...types.map((_, i) => group.map((s) => s.values[i])), limit];
  return { text, values };
}

/** Criteria of different shapes as the branches of a UNION ALL, each planned on its own. */
function branches(singles: readonly Single[], limit: number): Statement {
  const p = new SqlParams();
  const bound = p.bind(limit);
  const parts = singles.map((s) => {
    // Renumbered: each criteria's parameters follow those of the branches before it.
    const offset = p.values.length;
    for (const v of s.values) p.values.push(v);
    const where = withPlaceholders(s.where, (n) => `$${String(n + offset)}`);
    return `(SELECT ${String(s.k)} AS k, ${COLUMNS}, r.content::text AS json FROM resource r WHERE ${where} LIMIT ${bound})`;
  });
  return { text: parts.join('\nUNION ALL\n'), values: p.values };
}

/**
 * The statements matching `items`: criteria of a shape shared with others in one
 * templated statement per shape, the rest in UNION ALL statements of up to 64
 * branches. Either way one statement instead of two per criteria (a match, then a
 * read), run one after another on the transaction's connection.
 */
export function matchManyStatements(items: readonly MatchCriteria[], limit: number, now: number): Statement[] {
  const shapes = new Map<string, { types: string[]; group: Single[] }>();
  const rest: Single[] = [];
  items.forEach((m, k) => {
    const p = new SqlParams();
    const single = { k, where: baseWhere({ types: m.types, conditions: m.conditions, now }, { p, now }).join(' AND '), values: p.values };
    const types = p.values.map(columnType);
    if (!types.every((t): t is string => t !== undefined)) {
      rest.push(single);
      return;
    }
    const key = `${types.join(',')}\n${single.where}`;
    const shape = shapes.get(key);
    if (shape === undefined) shapes.set(key, { types, group: [single] });
    else shape.group.push(single);
  });
  const out: Statement[] = [];
  for (const { types, group } of shapes.values()) {
    if (group.length > 1) out.push(templated(group, types, limit));
    else rest.push(...group);
  }
  rest.sort((a, b) => a.k - b.k);
  for (let i = 0; i < rest.length; i += BRANCHES_PER_STATEMENT) out.push(branches(rest.slice(i, i + BRANCHES_PER_STATEMENT), limit));
  return out;
}

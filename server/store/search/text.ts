/**
 * `_text` (the narrative) and `_content` (the whole resource) full-text search
 * (https://hl7.org/fhir/R4/search.html#text) with PostgreSQL text search, the
 * `simple` configuration (no stemming: language-neutral and cheap to build).
 * Rows: (kind, text); the write statement turns the text into a tsvector.
 */
import type { IndexRows } from './rows.js';
import type { SqlParams } from './sql-params.js';
import { isObject } from './values.js';

export const TEXT_KIND = { narrative: 1, content: 2 } as const;
export type TextKind = keyof typeof TEXT_KIND;

/** Text beyond this is not indexed (tsvector size limits, write cost). */
const MAX_CHARS = 20_000;

/** Elements whose strings are identifiers or plumbing, not content worth a word search. */
const SKIP = new Set(['resourceType', 'id', 'meta', 'text', 'reference', 'system', 'url', 'fullUrl', 'extension', 'modifierExtension', 'data']);

function collect(v: unknown, out: string[], budget: { left: number }): void {
  if (budget.left <= 0) return;
  if (typeof v === 'string') {
    out.push(v);
    budget.left -= v.length;
  } else if (Array.isArray(v)) for (const x of v) collect(x, out, budget);
  else if (isObject(v)) for (const [k, x] of Object.entries(v)) if (!SKIP.has(k) && !k.startsWith('_')) collect(x, out, budget);
}

/** The narrative's text: the XHTML div with tags and entities removed. */
export function narrativeText(resource: Record<string, unknown>): string | undefined {
  const text = resource['text'];
  if (!isObject(text) || typeof text['div'] !== 'string') return undefined;
  const plain = text['div']
    .replace(/<[^>]*>/g, ' ')
    .replace(/&[a-z#0-9]+;/gi, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return plain === '' ? undefined : plain.slice(0, MAX_CHARS);
}

/** The words `_content` searches: every string of the resource but identifiers and plumbing, cut at MAX_CHARS. */
export function contentText(resource: Record<string, unknown>): string | undefined {
  const parts: string[] = [];
  collect(resource, parts, { left: MAX_CHARS });
  const all = parts.join(' ').slice(0, MAX_CHARS);
  return all === '' ? undefined : all;
}

export function extractText(rows: IndexRows, resource: Record<string, unknown>, content: boolean): void {
  const narrative = narrativeText(resource);
  if (narrative !== undefined) rows.text.add(TEXT_KIND.narrative, narrative);
  if (!content) return;
  const all = contentText(resource);
  if (all !== undefined) rows.text.add(TEXT_KIND.content, all);
}

/** Condition for alias x of sp_text; `kind` is a constant so the partial GIN index applies. */
export function textWhere(x: string, kind: TextKind, queries: readonly string[], p: SqlParams): string {
  const q = queries.map((t) => `${x}.tsv @@ websearch_to_tsquery('simple', ${p.bind(t)})`);
  return `(${x}.param = ${TEXT_KIND[kind]} AND (${q.join(' OR ')}))`;
}

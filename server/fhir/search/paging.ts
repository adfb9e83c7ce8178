/**
 * Keyset paging (https://hl7.org/fhir/R4/http.html#paging): a page link carries
 * an opaque `_cursor` holding the sort values of the row the page starts after
 * (next) or ends before (previous), so a page never shifts when resources are
 * created, updated or deleted between requests, and deep pages cost no OFFSET.
 */
import { createHash } from 'node:crypto';
import { invalid } from '../../errors/fhir-error.js';
import type { Keyset, SortSpec, SortValue } from '../../store/search/search-sql.js';

/** Ties a cursor to the sort it was made for: a cursor replayed with another _sort is refused. */
export function sortSignature(sort: readonly SortSpec[]): string {
  return createHash('md5').update(JSON.stringify(sort)).digest('base64url').slice(0, 8);
}

export function encodeCursor(direction: Keyset['direction'], values: readonly SortValue[], sort: readonly SortSpec[]): string {
  return Buffer.from(JSON.stringify({ d: direction === 'after' ? 'a' : 'b', v: values, s: sortSignature(sort) })).toString('base64url');
}

function isSortValue(v: unknown): v is SortValue {
  return v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
}

export function decodeCursor(text: string, sort: readonly SortSpec[]): Keyset {
  try {
    const raw: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    if (typeof raw === 'object' && raw !== null && !Array.isArray(raw)) {
      const { d, v, s } = raw as Record<string, unknown>;
      if ((d === 'a' || d === 'b') && Array.isArray(v) && v.every(isSortValue) && s === sortSignature(sort)) {
        return { direction: d === 'a' ? 'after' : 'before', values: v };
      }
    }
  } catch {
    // fall through to the error below
  }
  throw invalid('_cursor is not a cursor this server issued for this search', ['_cursor']);
}

export interface PageLink {
  readonly relation: 'self' | 'first' | 'previous' | 'next';
  readonly url: string;
}

/** Page links from the request's parameters (minus _cursor) and the cursors of the page's ends. */
export function pageLinks(
  base: string,
  path: string,
  params: readonly (readonly [string, string])[],
  self: string | undefined,
  next: string | undefined,
  previous: string | undefined,
): PageLink[] {
  const url = (cursor: string | undefined): string => {
    const q = new URLSearchParams();
    for (const [k, v] of params) if (k !== '_cursor') q.append(k, v);
    if (cursor !== undefined) q.append('_cursor', cursor);
    const s = q.toString();
    return `${base}${path}${s === '' ? '' : `?${s}`}`;
  };
  const links: PageLink[] = [{ relation: 'self', url: url(self) }, { relation: 'first', url: url(undefined) }];
  if (previous !== undefined) links.push({ relation: 'previous', url: url(previous) });
  if (next !== undefined) links.push({ relation: 'next', url: url(next) });
  return links;
}

/**
 * uri parameters (https://hl7.org/fhir/R4/search.html#uri): exact match,
 * `:below` (the value starts with the search URI) and `:above` (the search URI
 * starts with the value, answered as "value is one of its prefixes" so it uses
 * the index).
 */
import type { IndexRows, TypedValue } from './rows.js';
import { anyOf, likeEscape, type SqlParams } from './sql-params.js';
import { clip, CLIP } from './values.js';

export interface UriMatch {
  readonly value: string;
  readonly mode: 'exact' | 'below' | 'above';
}

export function extractUri(rows: IndexRows, key: number, v: TypedValue): void {
  if (typeof v.value === 'string' && v.value !== '') rows.uri.add(key, v.value);
}

/** `http://a/b/c` → every prefix ending at a path separator, and the whole. */
export function uriPrefixes(uri: string): string[] {
  const out = new Set<string>([uri]);
  for (let i = uri.indexOf('/'); i > 0; i = uri.indexOf('/', i + 1)) {
    if (uri.slice(0, i).endsWith(':') || uri.slice(0, i).endsWith(':/')) continue;
    out.add(uri.slice(0, i));
    out.add(uri.slice(0, i + 1));
  }
  return [...out];
}

export function uriWhere(x: string, matches: readonly UriMatch[], p: SqlParams): string {
  return anyOf(
    matches.map((m) => {
      switch (m.mode) {
        case 'exact':
          return `${x}.value = ${p.bind(clip(m.value, CLIP.uri))}`;
        case 'below': {
          // At or below a path: `…/ValueSet` matches `…/ValueSet/123`, not `…/ValueSetX`.
          const base = m.value.endsWith('/') ? m.value : `${m.value}/`;
          return `(${x}.value = ${p.bind(m.value)} OR ${x}.value LIKE ${p.bind(`${likeEscape(base)}%`)})`;
        }
        case 'above':
          return `${x}.value = ANY(${p.bind(uriPrefixes(m.value))}::text[])`;
      }
    }),
  );
}

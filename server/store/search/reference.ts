/**
 * reference parameters (https://hl7.org/fhir/R4/search.html#reference): rows
 * hold (target type, target id) for references to this server (relative, or
 * absolute under its base URL; a version suffix is dropped), or (null, URL) for
 * anything else (other servers, canonical URLs, urn:uuid). Reference.identifier
 * becomes token rows under the `:identifier` key.
 */
import { isIdSpan } from '../../fhir/model/ids.js';
import type { IndexRows, TypedValue } from './rows.js';
import { anyOf, type SqlParams } from './sql-params.js';
import { clip, CLIP, isObject, str } from './values.js';

export type ReferenceMatch =
  /** `id`, `Type/id`, or `:Type` modifier + id; `type` undefined when not given. */
  | { readonly kind: 'local'; readonly type: string | undefined; readonly id: string }
  /** An absolute URL that is not this server's, or a canonical. */
  | { readonly kind: 'url'; readonly url: string };

const isLetter = (c: number): boolean => (c >= 65 && c <= 90) || (c >= 97 && c <= 122);

const HISTORY = '/_history/';

/**
 * `Type/id` or `Type/id/_history/vid` (the type: a capital, then letters), read
 * by hand: a regular expression's match array per reference was a noticeable
 * share of index extraction's allocation.
 */
function splitRelative(rel: string): { type: string; id: string } | undefined {
  const slash = rel.indexOf('/');
  if (slash < 2) return undefined;
  const first = rel.charCodeAt(0);
  if (first < 65 || first > 90) return undefined;
  for (let i = 1; i < slash; i += 1) if (!isLetter(rel.charCodeAt(i))) return undefined;
  let end = rel.indexOf('/', slash + 1);
  if (end < 0) end = rel.length;
  if (!isIdSpan(rel, slash + 1, end)) return undefined;
  if (end < rel.length && !(rel.startsWith(HISTORY, end) && isIdSpan(rel, end + HISTORY.length, rel.length))) return undefined;
  return { type: rel.slice(0, slash), id: rel.slice(slash + 1, end) };
}

/** Splits a reference string into a local (type, id), or undefined when it is not local to `base`. */
export function localTarget(ref: string, base: string): { type: string; id: string } | undefined {
  let rel = ref;
  if (/^[a-z][a-z0-9+.-]*:/i.test(ref)) {
    if (!ref.startsWith(`${base}/`)) return undefined;
    rel = ref.slice(base.length + 1);
  }
  return splitRelative(rel);
}

/** The resource type a Reference points at, if it can be told without resolving it (for `resolve() is T`). */
export function referenceType(value: unknown, base: string): string | undefined {
  if (!isObject(value)) return undefined;
  const ref = str(value['reference']);
  if (ref !== undefined) {
    const local = localTarget(ref, base);
    if (local !== undefined) return local.type;
    const m = /\/([A-Z][A-Za-z]+)\/[A-Za-z0-9\-.]{1,64}(?:\/_history\/[^/]+)?$/.exec(ref);
    if (m !== null) return m[1];
  }
  return str(value['type']);
}

export function extractReference(rows: IndexRows, key: number, identifierKey: number, v: TypedValue, base: string): void {
  const value = v.value;
  if (typeof value === 'string') {
    // canonical / uri elements searched as references: the URL without a |version.
    const url = value.split('|')[0] ?? value;
    const local = localTarget(url, base);
    if (local !== undefined) rows.reference.add(key, local.type, local.id);
    else if (url !== '') rows.reference.add(key, null, url);
    return;
  }
  if (!isObject(value)) return;
  const ref = str(value['reference']);
  if (ref !== undefined && !ref.startsWith('#')) {
    const local = localTarget(ref, base);
    if (local !== undefined) rows.reference.add(key, local.type, local.id);
    else rows.reference.add(key, null, ref);
  }
  const ident = value['identifier'];
  if (isObject(ident)) {
    const system = str(ident['system']) ?? null;
    const iv = str(ident['value']) ?? null;
    if (system !== null || iv !== null) rows.token.add(identifierKey, system, iv);
  }
}

/** The condition on one reference row (alias x) for an OR of criteria. */
export function referenceWhere(x: string, matches: readonly ReferenceMatch[], p: SqlParams): string {
  return anyOf(
    matches.map((m) => {
      if (m.kind === 'url') return `(${x}.target_id = ${p.bind(clip(m.url, CLIP.reference))} AND ${x}.target_type IS NULL)`;
      if (m.type === undefined) return `(${x}.target_id = ${p.bind(m.id)} AND ${x}.target_type IS NOT NULL)`;
      return `(${x}.target_id = ${p.bind(m.id)} AND ${x}.target_type = ${p.bind(m.type)})`;
    }),
  );
}

import { isJsonObject, type JsonObject } from '../../model/json-object.js';
import type { CompiledConstraint } from './compiled-types.js';
import { compareDateTimes } from './date-compare.js';

/**
 * R4 invariants implemented natively, as HL7's own validator does for the hottest ones: they
 * sit on every element, every Reference or every resource, and evaluating them through a
 * FHIRPath engine would dominate validation time. Each one follows the published expression
 * (quoted in its comment) exactly, except where noted.
 */

type Test = CompiledConstraint['test'];

/** ele-1 `hasValue() or (children().count() > id.count())`: an object with nothing but an id fails (the JSON schema already rejects `{}`). */
const ele1: Test = (value) => {
  if (!isJsonObject(value)) return true;
  // It runs on every element: a for-in allocates nothing, Object.keys an array each time.
  for (const k in value) if (k !== 'id') return true;
  return false;
};

/** value[x] present, as a value or only as a `_valueX` twin with extensions (FHIRPath sees both). */
function hasValueX(ext: JsonObject): boolean {
  for (const k in ext) {
    const at = k.charCodeAt(0) === 95 ? 1 : 0;
    if (k.length > 5 + at && k.startsWith('value', at) && k.charCodeAt(5 + at) < 91) return true;
  }
  return false;
}

/** ext-1 `extension.exists() != value.exists()` (https://hl7.org/fhir/R4/extensibility.html#Extension). */
const ext1: Test = (value) => {
  if (!isJsonObject(value)) return true;
  const nested = Array.isArray(value['extension']) && value['extension'].length > 0;
  return nested !== hasValueX(value);
};

/** ref-1 `reference.startsWith('#').not() or (reference.substring(1) in %rootResource.contained.id)`. */
const ref1: Test = (value, env) => {
  const ref = isJsonObject(value) ? value['reference'] : undefined;
  if (typeof ref !== 'string' || !ref.startsWith('#')) return true;
  const root = env.rootResource;
  const contained = isJsonObject(root) && Array.isArray(root['contained']) ? root['contained'] : [];
  return contained.some((c) => isJsonObject(c) && c['id'] === ref.slice(1));
};

/** Every string value in a JSON tree that starts with '#' (candidate local references). */
function localRefs(node: unknown, out: Set<string>): void {
  if (typeof node === 'string') {
    if (node.charCodeAt(0) === 35) out.add(node);
  } else if (Array.isArray(node)) {
    for (const n of node) localRefs(n, out);
  } else if (isJsonObject(node)) {
    for (const k in node) if (k !== 'div') localRefs(node[k], out);
  }
}

/**
 * dom-3: every contained resource is referenced from elsewhere in the resource ('#id' as a
 * reference, canonical, uri or url), or refers to its container ('#'). Read natively, any
 * string value '#id' outside the narrative counts as such a reference.
 */
const dom3: Test = (value) => {
  if (!isJsonObject(value) || !Array.isArray(value['contained']) || value['contained'].length === 0) return true;
  const refs = new Set<string>();
  localRefs(value, refs);
  return value['contained'].every((c) => {
    if (!isJsonObject(c)) return true;
    if (typeof c['id'] === 'string' && refs.has(`#${c['id']}`)) return true;
    const inner = new Set<string>();
    localRefs(c, inner);
    return inner.has('#');
  });
};

/** dom-6 "text.`div`.exists()" (a warning: a resource should have narrative). */
const dom6: Test = (value) => isJsonObject(value) && isJsonObject(value['text']) && value['text']['div'] !== undefined;

/** per-1 `start.hasValue().not() or end.hasValue().not() or (start <= end)`, with FHIRPath's precision rules. */
const per1: Test = (value) => {
  if (!isJsonObject(value)) return true;
  const start = value['start'];
  const end = value['end'];
  if (typeof start !== 'string' || typeof end !== 'string') return true;
  const cmp = compareDateTimes(start, end);
  return cmp === undefined || cmp <= 0;
};

function entries(bundle: unknown): JsonObject[] {
  if (!isJsonObject(bundle) || !Array.isArray(bundle['entry'])) return [];
  return bundle['entry'].filter(isJsonObject);
}

/** bdl-3 / bdl-4: entry.request (entry.response) exactly when the Bundle type calls for it; linear, not per entry × type. */
function entriesHave(part: 'request' | 'response', types: readonly string[]): Test {
  return (bundle) => {
    const wanted = isJsonObject(bundle) && types.includes(String(bundle['type']));
    return entries(bundle).every((e) => (e[part] !== undefined) === wanted);
  };
}

/** bdl-7: fullUrl (with meta.versionId) unique except in history Bundles; fhirpath.js's isDistinct() is quadratic. */
const bdl7: Test = (bundle) => {
  if (!isJsonObject(bundle) || bundle['type'] === 'history') return true;
  const seen = new Set<string>();
  for (const e of entries(bundle)) {
    const fullUrl = e['fullUrl'];
    if (typeof fullUrl !== 'string') continue;
    const r = e['resource'];
    const meta = isJsonObject(r) ? r['meta'] : undefined;
    const version = isJsonObject(meta) && typeof meta['versionId'] === 'string' ? meta['versionId'] : '';
    const key = `${fullUrl}\u0000${version}`;
    if (seen.has(key)) return false;
    seen.add(key);
  }
  return true;
};

/**
 * txt-2 "The narrative SHALL have some non-whitespace content" (text or an image). R4 gives
 * txt-1 and txt-2 the same expression, htmlChecks(), which checks both rules at once; this
 * one is native so that each failure is reported under its own key.
 */
export function narrativeHasContent(div: unknown): boolean {
  if (typeof div !== 'string') return true;
  // XML whitespace only (space, tab, CR, LF): a no-break space is content.
  return /<img[\s>/]/i.test(div) || /[^ \t\r\n]/.test(div.replace(/<[^>]*>/g, ''));
}

export const NATIVE_INVARIANTS: ReadonlyMap<string, Test> = new Map<string, Test>([
  ['ele-1', ele1],
  ['ext-1', ext1],
  ['ref-1', ref1],
  ['dom-3', dom3],
  ['dom-6', dom6],
  ['per-1', per1],
  ['txt-2', (div) => narrativeHasContent(div)],
  ['bdl-3', entriesHave('request', ['batch', 'transaction', 'history'])],
  ['bdl-4', entriesHave('response', ['batch-response', 'transaction-response', 'history'])],
  ['bdl-7', bdl7],
]);
